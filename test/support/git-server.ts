import { execFile, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { FixtureModule, readFixtureModules } from "./fixture-modules";

// A private git host on loopback: `git http-backend` behind HTTP Basic auth,
// serving bare repositories made from fixture module versions. The proxy's
// direct fetches reach it through a git url.insteadOf rewrite, so module
// paths can name a host that resolves nowhere.

const execFileAsync = promisify(execFile);

export interface GitServerOptions {
  /** Directory of bare repositories, served as GIT_PROJECT_ROOT. */
  projectRoot: string;
  user: string;
  password: string;
}

export interface GitRequest {
  method: string;
  path: string;
  /** The Basic auth user name sent, if any. */
  user?: string;
  status: number;
}

export interface GitServer {
  /** Base URL with a trailing "/", e.g. "http://127.0.0.1:1234/". */
  url: string;
  requests: GitRequest[];
  /** "hang": accept requests and never answer them. */
  behaviour: "serve" | "hang";
  /** Stops the server (idempotent). */
  close(): Promise<void>;
}

function basicAuthUser(header: string | undefined, user: string, password: string): { sent?: string; ok: boolean } {
  const m = /^Basic (.+)$/i.exec(header ?? "");
  if (!m) return { ok: false };
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const sent = colon < 0 ? decoded : decoded.slice(0, colon);
  return { sent, ok: sent === user && decoded.slice(colon + 1) === password };
}

/** Runs git http-backend for one request and relays its CGI answer (header block, blank line, body). */
function runHttpBackend(projectRoot: string, user: string, req: http.IncomingMessage, res: http.ServerResponse, done: (status: number) => void): void {
  const url = new URL(req.url ?? "/", "http://loopback");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: projectRoot,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
      // git sends upload-pack requests gzipped; http-backend inflates them itself.
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  req.pipe(child.stdin);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const sep = /\r?\n\r?\n/.exec(head.toString("latin1"));
    if (!sep) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, sep.index).toString("latin1").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(sep.index + sep[0].length));
    done(status);
  });
  child.on("close", (code) => {
    if (!headersDone) {
      res.writeHead(500, { "Content-Type": "text/plain" }).end(`git http-backend exited ${code}: ${stderr}`);
      done(500);
      return;
    }
    res.end();
  });
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const requests: GitRequest[] = [];
  const state = { behaviour: "serve" as GitServer["behaviour"] };
  const server = http.createServer((req, res) => {
    const logged: GitRequest = { method: req.method ?? "", path: req.url ?? "", status: 0 };
    requests.push(logged);
    if (state.behaviour === "hang") return;
    const auth = basicAuthUser(req.headers.authorization, options.user, options.password);
    logged.user = auth.sent;
    if (!auth.ok) {
      logged.status = 401;
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="fixture git"', "Content-Type": "text/plain" }).end("authentication required\n");
      return;
    }
    runHttpBackend(options.projectRoot, options.user, req, res, (status) => (logged.status = status));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b) {
      state.behaviour = b;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}

/**
 * Makes a bare repository at projectRoot/repoPath holding the module's
 * versions as successive commits, each tagged with its version.
 */
export async function createRepoFromFixture(projectRoot: string, repoPath: string, module: FixtureModule): Promise<void> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-git-home-"));
  const work = path.join(home, "work");
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
    GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
  };
  const git = (args: string[], cwd: string) =>
    execFileAsync("git", ["-c", "user.name=Fixture", "-c", "user.email=fixture@git.example.test", "-c", "init.defaultBranch=main", ...args], { cwd, env });
  try {
    await fs.mkdir(work);
    await git(["init", "-q"], work);
    for (const version of module.versions) {
      await git(["rm", "-q", "-r", "--ignore-unmatch", "."], work);
      for (const [name, data] of version.files) {
        await fs.mkdir(path.dirname(path.join(work, name)), { recursive: true });
        await fs.writeFile(path.join(work, name), data);
      }
      await git(["add", "-A"], work);
      await git(["commit", "-q", "-m", version.version], work);
      await git(["tag", version.version], work);
    }
    const bare = path.join(projectRoot, ...repoPath.split("/"));
    await fs.mkdir(path.dirname(bare), { recursive: true });
    await git(["clone", "-q", "--bare", work, bare], home);
  } finally {
    await fs.rm(home, { recursive: true, force: true });
  }
}

/** The host the private fixture modules name; git is pointed from it to the loopback server. */
export const PRIVATE_HOST = "git.example.test";

export const PRIVATE_MODULES_DIR = path.resolve(__dirname, "..", "fixtures", "private-modules");

export interface PrivateGitHost {
  server: GitServer;
  modules: FixtureModule[];
  /** A .netrc with the server's credentials, for MODPROXY_VCS_CREDENTIALS_FILE. */
  credentialsFile: string;
  /** A .netrc with a wrong password. */
  wrongCredentialsFile: string;
  /** Environment for the proxy's go command: git rewrites https://git.example.test/ to the server. */
  directEnv: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * The private fixture modules (test/fixtures/private-modules, module paths
 * ending in ".git" so the go command asks git for https://git.example.test/<repo>
 * without a ?go-get=1 lookup) in bare repositories behind a git server.
 */
export async function startPrivateGitHost(): Promise<PrivateGitHost> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-git-host-"));
  const projectRoot = path.join(root, "repos");
  const modules = await readFixtureModules(PRIVATE_MODULES_DIR);
  for (const module of modules) {
    const repo = module.path.slice(`${PRIVATE_HOST}/`.length).replace(/\.git$/, "");
    await createRepoFromFixture(projectRoot, repo, module);
  }
  const user = "fixture-reader";
  const password = "fixture-password";
  const server = await startGitServer({ projectRoot, user, password });
  const credentialsFile = path.join(root, "netrc");
  const wrongCredentialsFile = path.join(root, "netrc-wrong");
  await fs.writeFile(credentialsFile, `machine 127.0.0.1\nlogin ${user}\npassword ${password}\n`, { mode: 0o600 });
  await fs.writeFile(wrongCredentialsFile, `machine 127.0.0.1\nlogin ${user}\npassword not-${password}\n`, { mode: 0o600 });
  return {
    server,
    modules,
    credentialsFile,
    wrongCredentialsFile,
    directEnv: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: `url.${server.url}.insteadOf`, GIT_CONFIG_VALUE_0: `https://${PRIVATE_HOST}/` },
    async remove() {
      await server.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
