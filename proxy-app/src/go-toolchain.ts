import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The proxy list the installed go command uses when GOPROXY is unset, read
 * from its GOROOT/go.env, without "direct" and "off" (this proxy only speaks
 * to proxies). Undefined when no go toolchain is found.
 */
export function goToolchainDefaultProxy(): string | undefined {
  let goroot: string;
  try {
    goroot = execFileSync("go", ["env", "GOROOT"], { encoding: "utf8", env: { ...process.env, GOENV: "off" }, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
  let goEnv: string;
  try {
    goEnv = readFileSync(path.join(goroot, "go.env"), "utf8");
  } catch {
    return undefined;
  }
  const line = goEnv.split("\n").find((l) => l.startsWith("GOPROXY="));
  const proxies = line
    ?.slice("GOPROXY=".length)
    .split(/[,|]/)
    .map((e) => e.trim())
    .filter((e) => e !== "" && e !== "direct" && e !== "off");
  return proxies && proxies.length > 0 ? proxies.join(",") : undefined;
}
