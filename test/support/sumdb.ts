import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import { GoproxyTree } from "./goproxy-tree";
import { splitModuleVersion } from "./module-path";

// A real Go checksum database (go.dev/ref/mod#checksum-database) on loopback:
// test/fixtures/sumdb-server, built by scripts/check-tools.js (here too when
// mocha runs without `npm test`), signing with a key made fresh for each
// start. It vouches for exactly the records it is given, so a record with a
// wrong hash makes a database that vouches for a tampered module.

export interface SumdbRecord {
  module: string;
  version: string;
  /** "<module> <version> h1:..." and "<module> <version>/go.mod h1:...", as in go.sum. */
  goSumLines: [string, string];
}

export interface TestSumdb {
  /** e.g. "http://127.0.0.1:41234". */
  url: string;
  /** The database's name, e.g. "sum.test.example": GOSUMDB's first word, and the proxy's /sumdb/<name>/ prefix. */
  name: string;
  /**
   * The verifier key, "<name>+<hash>+<key>". As GOSUMDB on its own, go reaches
   * the database through GOPROXY, at <proxy>/sumdb/<name>/..., once
   * <proxy>/sumdb/<name>/supported answers 200.
   */
  vkey: string;
  /** GOSUMDB's value for go to ask this database at its own URL, bypassing GOPROXY: "<vkey> <url>". */
  gosumdb: string;
  /** The path of every request answered so far, in order, e.g. "/lookup/example.com/m@v1.0.0". */
  requests: string[];
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const CHECK_TOOLS = path.resolve(__dirname, "..", "..", "scripts", "check-tools.js");

/** The records of every fixture version, with the hashes the tree computed. */
export function sumdbRecordsFor(tree: GoproxyTree): SumdbRecord[] {
  return tree.allVersions.map((moduleVersion) => {
    const [module, version] = splitModuleVersion(moduleVersion);
    return { module, version, goSumLines: tree.goSumLines(module, version) };
  });
}

export async function startTestSumdb(records: SumdbRecord[]): Promise<TestSumdb> {
  const binary = execFileSync(process.execPath, [CHECK_TOOLS, "--sumdb-server"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const child = spawn(binary, [], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin!.end(JSON.stringify(records));
  const requests: string[] = [];
  const ready = await readyLine(child, requests);
  return {
    ...ready,
    gosumdb: `${ready.vkey} ${ready.url}`,
    requests,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    },
  };
}

/**
 * Waits for the server's one JSON line on stdout, printed once it listens.
 * Its stderr says why it failed to start; once it has started, nothing can
 * ask it anything before this resolves, so stderr lines after that are request paths.
 */
function readyLine(child: ChildProcess, requests: string[]): Promise<{ url: string; name: string; vkey: string }> {
  return new Promise((resolve, reject) => {
    let started = false;
    let stdout = "";
    let stderr = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`sumdb server ${why}; its output:\n${stdout}${stderr}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once("error", (error) => fail(`could not run: ${error.message}`));
    child.once("exit", (code, signal) => fail(`exited (${signal ?? code}) before listening`));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (!started) {
        stderr += chunk;
        return;
      }
      const lines = (stderr + chunk).split("\n");
      stderr = lines.pop() as string;
      requests.push(...lines);
    });
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf("\n");
      if (started || newline < 0) return;
      try {
        const ready = JSON.parse(stdout.slice(0, newline));
        started = true;
        stderr = "";
        clearTimeout(timer);
        resolve(ready);
      } catch {
        fail("printed something other than its JSON line");
      }
    });
  });
}
