import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { finished, Readable } from "node:stream";
import { encodeCase } from "../module-path";
import { parseModuleRequest } from "../protocol";
import { oneLine, withoutUserinfo } from "../redact";
import { NotFoundError, Upstream, UpstreamError, UpstreamResponse, UpstreamTimeoutError } from "./upstream";

/** Direct fetching cannot work: go or git is missing, or the credentials file cannot be read. */
export class GoDirectSetupError extends Error {}

export interface GoDirectOptions {
  /** Upper bound on one go invocation (a clone of a large repository included); it is killed after. */
  timeoutMs: number;
  /** Passed to the go command as it reads them: private modules skip the checksum database. */
  goPrivate?: string;
  goNoSumDb?: string;
  goSumDb?: string;
  /** A .netrc file with credentials for the VCS hosts, read by the go command and by git. */
  vcsCredentialsFile?: string;
  /** Added to the go command's environment, e.g. GIT_CONFIG_* for url.insteadOf rewrites to a mirror. */
  extraEnv?: Record<string, string>;
}

/** Caps go's output read into memory; its JSON answers are small. */
const MAX_GO_OUTPUT = 16 * 1024 * 1024;

// The environment the go command may inherit: how to reach the network and
// which CAs to trust. Nothing of the proxy's own configuration or secrets.
const INHERITED_ENV = ["PATH", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/**
 * Fetches modules straight from version control by running the go command
 * with GOPROXY=direct in an environment of its own (GOPATH, module cache,
 * HOME under a temp directory it owns). Identical invocations in flight run
 * go once; the go invocations of one module run one at a time, so removing a
 * version's downloaded files once handed over never pulls them from under
 * another go process. The version control clones under cache/vcs stay, one
 * per repository, so later versions only fetch what is new.
 */
export class GoDirectUpstream implements Upstream {
  readonly name = "direct";
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly moduleQueues = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
  ) {}

  /** Checks that go and git run, and makes the work directory; `close` removes it. */
  static async create(options: GoDirectOptions): Promise<GoDirectUpstream> {
    await requireDirectTools('fetching modules from version control (the "direct" upstream, GOPRIVATE/GONOPROXY modules)');
    if (options.vcsCredentialsFile !== undefined) {
      await fs.access(options.vcsCredentialsFile, fs.constants.R_OK).catch((err: Error) => {
        throw new GoDirectSetupError(`cannot read the VCS credentials file ${options.vcsCredentialsFile}: ${err.message}`);
      });
    }
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-direct-"));
    const home = path.join(root, "home");
    const work = path.join(root, "work");
    await fs.mkdir(home);
    await fs.mkdir(work);
    if (options.vcsCredentialsFile !== undefined) {
      // git reads only $HOME/.netrc; a link follows a mounted secret when it is rotated.
      await fs.symlink(path.resolve(options.vcsCredentialsFile), path.join(home, ".netrc"));
    }
    const inherited = Object.fromEntries(INHERITED_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      HOME: home,
      GOPATH: path.join(root, "gopath"),
      GOMODCACHE: path.join(root, "gomodcache"),
      GOCACHE: path.join(root, "gocache"),
      GOPROXY: "direct",
      GOPRIVATE: options.goPrivate ?? "",
      ...(options.goNoSumDb !== undefined ? { GONOSUMDB: options.goNoSumDb } : {}),
      ...(options.goSumDb !== undefined ? { GOSUMDB: options.goSumDb } : {}),
      // Writable module cache files, so the proxy can remove what it has handed over.
      GOFLAGS: "-modcacherw",
      GOTOOLCHAIN: "local",
      GOENV: "off",
      GOWORK: "off",
      GO111MODULE: "on",
      GIT_TERMINAL_PROMPT: "0",
      ...(options.vcsCredentialsFile !== undefined ? { NETRC: path.resolve(options.vcsCredentialsFile) } : {}),
      ...options.extraEnv,
    };
    return new GoDirectUpstream(root, env, options.timeoutMs);
  }

  /** The go command's module cache (GOMODCACHE) of this upstream. */
  get moduleCache(): string {
    return this.env.GOMODCACHE as string;
  }

  async fetch(protocolPath: string): Promise<UpstreamResponse> {
    const req = protocolOf(protocolPath);
    switch (req.kind) {
      case "list": {
        const { Versions } = await this.goJson<{ Versions?: string[] }>(req.module, ["list", "-m", "-versions", "-json", req.module]);
        return bufferResponse((Versions ?? []).map((v) => `${v}\n`).join(""));
      }
      case "latest":
        return bufferResponse(await this.info(req.module, "latest"));
      case "info":
        return bufferResponse(await this.info(req.module, req.version));
      case "mod":
        return bufferResponse(
          await this.handOver(req.module, ["list", "-m", "-json", `${req.module}@${req.version}`], async (out: { Version: string; GoMod?: string }) => {
            if (out.GoMod === undefined) throw new UpstreamError(`go reported no go.mod for ${req.module}@${req.version}`);
            return { version: out.Version, result: await fs.readFile(out.GoMod) };
          }),
        );
      case "zip": {
        const zip = await this.handOver(
          req.module,
          ["mod", "download", "-json", `${req.module}@${req.version}`],
          async (out: { Version: string; Zip?: string }) => {
            if (out.Zip === undefined) throw new UpstreamError(`go reported no zip for ${req.module}@${req.version}`);
            // An open file outlives its removal from the cache: the zip streams from here.
            return { version: out.Version, result: await SharedFile.open(out.Zip) };
          },
        );
        return { body: zip.stream(), size: zip.size };
      }
    }
  }

  /** Removes the work directory with its module cache. */
  async close(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }

  /** A version's (or a query's) .info: what `go list -m` resolves it to. */
  private async info(module: string, query: string): Promise<Buffer> {
    return this.handOver(module, ["list", "-m", "-json", `${module}@${query}`], async (out: { Version: string; Time?: string }) => ({
      version: out.Version,
      result: Buffer.from(JSON.stringify({ Version: out.Version, Time: out.Time }) + "\n"),
    }));
  }

  /**
   * Runs go for one version, takes what is needed from what it reports, and
   * removes that version's downloads from the cache: the proxy's storage keeps
   * them, so the direct cache holds only the version control clones.
   */
  private handOver<Out, T>(module: string, args: string[], take: (out: Out) => Promise<{ version: string; result: T }>): Promise<T> {
    return this.deduplicated(args, () =>
      this.oneAtATimePerModule(module, async () => {
        const out = await this.runGo<Out>(module, args);
        try {
          return (await take(out)).result;
        } finally {
          await this.forgetVersion(module, (out as { Version: string }).Version);
        }
      }),
    );
  }

  private goJson<Out>(module: string, args: string[]): Promise<Out> {
    return this.deduplicated(args, () => this.oneAtATimePerModule(module, () => this.runGo<Out>(module, args)));
  }

  private async forgetVersion(module: string, version: string): Promise<void> {
    const mod = encodeCase(module);
    const ver = encodeCase(version);
    const cache = this.moduleCache;
    const downloads = path.join(cache, "cache", "download", ...mod.split("/"), "@v");
    const names = await fs.readdir(downloads).catch(() => [] as string[]);
    await Promise.all([
      ...names.filter((n) => n.startsWith(`${ver}.`)).map((n) => fs.rm(path.join(downloads, n), { force: true })),
      fs.rm(path.join(cache, ...`${mod}@${ver}`.split("/")), { recursive: true, force: true }),
    ]);
  }

  /** Ten clients asking for one file run go once; each gets the same answer. */
  private deduplicated<T>(args: string[], run: () => Promise<T>): Promise<T> {
    const key = args.join("\0");
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = run().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private oneAtATimePerModule<T>(module: string, run: () => Promise<T>): Promise<T> {
    const previous = this.moduleQueues.get(module) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(run);
    const settled = next.catch(() => {});
    this.moduleQueues.set(module, settled);
    settled.then(() => {
      if (this.moduleQueues.get(module) === settled) this.moduleQueues.delete(module);
    });
    return next;
  }

  /** Runs go in its own process group, so a timeout kills the git processes it started too. */
  private runGo<Out>(module: string, args: string[]): Promise<Out> {
    return new Promise((resolve, reject) => {
      const child = spawn("go", args, { cwd: path.join(this.root, "work"), env: this.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      const output = { stdout: "", stderr: "" };
      child.stdout.setEncoding("utf8").on("data", (s: string) => (output.stdout = (output.stdout + s).slice(0, MAX_GO_OUTPUT)));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (output.stderr = (output.stderr + s).slice(0, MAX_GO_OUTPUT)));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          // Already gone: "close" follows.
        }
      }, this.timeoutMs);
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(new UpstreamError(`direct: cannot run go for ${module}: ${err.message}`));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (timedOut) {
          reject(new UpstreamTimeoutError(`direct: go ${args.join(" ")} did not finish within ${this.timeoutMs} ms`));
        } else if (code === 0) {
          try {
            resolve(JSON.parse(output.stdout) as Out);
          } catch {
            reject(new UpstreamError(`direct: go ${args.join(" ")} printed no JSON`));
          }
        } else {
          reject(goFailure(module, output));
        }
      });
    });
  }
}

/**
 * The go command's words for a module or version that does not exist. "No
 * secure protocol found" is also what it says when the host refuses the
 * credentials: like a proxy hiding a private repository, that is a 404.
 */
const NOT_FOUND = /not found|unknown revision|invalid version|no matching versions|no secure protocol found|unrecognized import path/i;

/**
 * What a failed go run tells the client. Its output can quote git servers and
 * name clone directories and URLs, so a client sees one clean line of it only
 * for "not found" (Go's own style); otherwise the log gets it.
 */
function goFailure(module: string, output: { stdout: string; stderr: string }): Error {
  // `go mod download -json` reports a failure in its JSON; go list on stderr.
  let message = output.stderr.trim();
  try {
    const reported = (JSON.parse(output.stdout) as { Error?: unknown }).Error;
    if (typeof reported === "string") message = reported;
  } catch {
    // No JSON: stderr says it.
  }
  const said = withoutUserinfo(message.replace(/^go: /, ""));
  if (NOT_FOUND.test(said)) return new NotFoundError(`not found: ${oneLine(said)} (direct)`);
  return new UpstreamError(`direct: go could not fetch ${module} from version control`, oneLine(said, 2000) || undefined);
}

function protocolOf(protocolPath: string): NonNullable<ReturnType<typeof parseModuleRequest>> {
  let req: ReturnType<typeof parseModuleRequest>;
  try {
    req = parseModuleRequest(protocolPath);
  } catch (err) {
    throw new NotFoundError(`direct: ${(err as Error).message}`);
  }
  // Checksum database paths and anything else outside the module protocol: direct serves only modules.
  if (req === undefined) throw new NotFoundError(`direct: ${protocolPath} is not a module path`);
  return req;
}

/**
 * One open file read by every client that asked for it while go ran; closed
 * when the last of their streams closes. Each stream reads at its own
 * positions, so they do not disturb each other.
 */
class SharedFile {
  private readers = 0;

  private constructor(
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  static async open(file: string): Promise<SharedFile> {
    const handle = await fs.open(file);
    try {
      return new SharedFile(handle, (await handle.stat()).size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Called synchronously by everyone the answer resolves for, before any stream can end. */
  stream(): Readable {
    this.readers++;
    const stream = this.handle.createReadStream({ start: 0, autoClose: false });
    // Read to the end, failed or dropped: either way this reader is done with the file.
    finished(stream, () => {
      if (--this.readers === 0) void this.handle.close();
    });
    return stream;
  }
}

function bufferResponse(body: Buffer | string): UpstreamResponse {
  const data = Buffer.from(body);
  return { body: Readable.from([data]), size: data.length };
}

/** Checks that go and git, which direct fetching runs, are there and run; `what` starts the error's message. */
export async function requireDirectTools(what: string): Promise<void> {
  await requireTool(what, "go", ["version"]);
  await requireTool(what, "git", ["--version"]);
}

async function requireTool(what: string, bin: string, args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: "ignore" });
    child.on("error", (err) => reject(new GoDirectSetupError(`${what} needs ${bin} on PATH (${err.message})`)));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new GoDirectSetupError(`${what} needs a working ${bin} ("${bin} ${args.join(" ")}" exited ${code})`)),
    );
  });
}
