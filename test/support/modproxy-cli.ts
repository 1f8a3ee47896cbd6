import { execFile } from "node:child_process";
import * as path from "node:path";

// Runs the modproxy command as a child process. Asynchronously: the fixture
// upstream it talks to runs in the test's own process.

const CLI = path.resolve(__dirname, "../../proxy-app/src/cli.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runModproxy(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
