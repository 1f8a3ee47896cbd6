import { execFile } from "node:child_process";
import { promises as fs, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// Runs the real go command in a throwaway environment: nothing from the
// user's own Go setup (GOPATH, module cache, GOFLAGS, go env file, HOME) can
// leak in, and nothing the test does leaks out.

export interface GoResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GoSandbox {
  /** The temp directory holding GOPATH, GOMODCACHE and HOME. */
  root: string;
  goModCache: string;
  /** Runs `go args...` in cwd (default: the sandbox's work directory); never throws on a non-zero exit. */
  run(args: string[], options?: { cwd?: string }): Promise<GoResult>;
  /** Like run, but throws with go's output when go fails. */
  runOk(args: string[], options?: { cwd?: string }): Promise<GoResult>;
  /** A fresh, empty directory for a main module. */
  newWorkDir(): Promise<string>;
  remove(): Promise<void>;
}

const GO_BIN = "go";

// Compiled packages do not depend on where modules came from, so one build
// cache per test run is safe and saves rebuilding the standard library.
let sharedGoCache: Promise<string> | undefined;
function goCache(): Promise<string> {
  sharedGoCache ??= fs.mkdtemp(path.join(os.tmpdir(), "modproxy-gocache-")).then((dir) => {
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return sharedGoCache;
}

function execGo(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<GoResult> {
  return new Promise((resolve) => {
    execFile(GO_BIN, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A go sandbox whose module downloads all go through goproxy; `extraEnv` adds to (or overrides) its environment. */
export async function createGoSandbox(goproxy: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<GoSandbox> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-go-"));
  const dirs = {
    gopath: path.join(root, "gopath"),
    goModCache: path.join(root, "gomodcache"),
    home: path.join(root, "home"),
    work: path.join(root, "work"),
  };
  await Promise.all(Object.values(dirs).map((dir) => fs.mkdir(dir, { recursive: true })));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dirs.home,
    TMPDIR: os.tmpdir(),
    GOENV: "off",
    GOFLAGS: "",
    GOTOOLCHAIN: "local",
    GOPATH: dirs.gopath,
    GOMODCACHE: dirs.goModCache,
    GOCACHE: await goCache(),
    GOPROXY: goproxy,
    // The fixture modules are in no public checksum database; go.sum, checked
    // by the tests against independently computed hashes, is the verification.
    GONOSUMDB: "example.com",
    GOPRIVATE: "",
    GONOPROXY: "",
    GOWORK: "off",
    GO111MODULE: "on",
    CGO_ENABLED: "0",
    ...extraEnv,
  };
  let workDirs = 0;
  const sandbox: GoSandbox = {
    root,
    goModCache: dirs.goModCache,
    run: (args, options) => execGo(args, options?.cwd ?? dirs.work, env),
    async runOk(args, options) {
      const result = await sandbox.run(args, options);
      if (result.code !== 0) {
        throw new Error(`go ${args.join(" ")} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      }
      return result;
    },
    async newWorkDir() {
      const dir = path.join(root, `main${++workDirs}`);
      await fs.mkdir(dir);
      return dir;
    },
    async remove() {
      // The module cache is read-only by design; go itself knows how to delete it.
      await execGo(["clean", "-modcache"], dirs.work, env);
      await fs.rm(root, { recursive: true, force: true });
    },
  };
  return sandbox;
}
