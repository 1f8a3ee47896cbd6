import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, promises as fs, readFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

// The servers the benchmark compares, each started as its users run it, and
// the tools it needs.

/** goproxy/goproxy, pinned: the module proxy refuses its @latest. */
export const GOPROXY_VERSION = "v0.26.1";
const CACHE_DIR = path.join(os.homedir(), ".cache", "modproxy");

export interface Server {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Installs wrk, nginx and curl from Debian when run as root; otherwise names what is missing. */
export function ensureTools(): void {
  const missing = ["wrk", "nginx", "curl", "go"].filter((bin) => spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0);
  const debian = missing.filter((bin) => bin !== "go");
  if (debian.length > 0 && process.getuid?.() === 0) {
    console.error(`installing ${debian.join(", ")} with apt-get`);
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    const r = spawnSync("apt-get", ["install", "-y", "-qq", ...debian], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) throw new Error(`apt-get install ${debian.join(" ")} failed`);
  } else if (missing.length > 0) {
    throw new Error(`the benchmark needs ${missing.join(", ")}: apt-get install ${debian.join(" ")}${missing.includes("go") ? ", and Go from go.dev" : ""}`);
  }
}

/** The bundle the container image runs. */
export function buildModproxy(root: string): string {
  const r = spawnSync("npm", ["run", "--silent", "bundle"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm run bundle failed");
  return path.join(root, "dist", "modproxy.js");
}

const GOPROXY_MAIN = `package main

import (
	"net/http"
	"os"

	"github.com/goproxy/goproxy"
)

// goproxy with its disk cacher: listen address and cache directory as arguments.
func main() {
	if err := http.ListenAndServe(os.Args[1], &goproxy.Goproxy{Cacher: goproxy.DirCacher(os.Args[2])}); err != nil {
		panic(err)
	}
}
`;

/** Builds goproxy/goproxy into a tiny main, once per version, cached under ~/.cache/modproxy. */
export function buildGoproxy(): string {
  const dir = path.join(CACHE_DIR, `goproxy-${GOPROXY_VERSION}`);
  const bin = path.join(dir, "goproxy");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const go = (...args: string[]) => {
    const r = spawnSync("go", args, { cwd: dir, stdio: "inherit", env: { ...process.env, GOFLAGS: "-mod=mod" } });
    if (r.status !== 0) throw new Error(`go ${args.join(" ")} failed`);
  };
  writeFileSync(path.join(dir, "main.go"), GOPROXY_MAIN);
  writeFileSync(path.join(dir, "go.mod"), "module modproxy.bench/goproxy\n\ngo 1.23\n");
  go("get", `github.com/goproxy/goproxy@${GOPROXY_VERSION}`);
  go("build", "-o", "goproxy.tmp", ".");
  renameSync(path.join(dir, "goproxy.tmp"), bin);
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitForUp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) =>
      http
        .get(url, (r) => {
          r.resume();
          resolve(r.statusCode !== undefined && r.statusCode < 500);
        })
        .on("error", () => resolve(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function started(name: string, child: ChildProcess, port: number, probe: string): Promise<Server> {
  const url = `http://127.0.0.1:${port}`;
  await waitForUp(url + probe, child);
  return {
    name,
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await once(child, "exit");
      clearTimeout(timer);
    },
  };
}

export async function startNginx(work: string, tree: string): Promise<Server> {
  const port = await freePort();
  const dir = path.join(work, "nginx");
  await fs.mkdir(dir, { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  // A static file server tuned as for production: sendfile, keep-alive, no access log.
  await fs.writeFile(
    conf,
    `daemon off;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/json info; text/plain mod; application/zip zip; }
  default_type text/plain;
  server {
    listen 127.0.0.1:${port};
    root ${tree};
    location ~ /@latest$ { default_type application/json; }
  }
}
`,
  );
  const child = spawn("nginx", ["-c", conf, "-e", path.join(dir, "error.log")], { stdio: ["ignore", "ignore", "inherit"] });
  return started("nginx", child, port, "/");
}

export async function startGoproxy(work: string, bin: string, upstream: string): Promise<Server> {
  const port = await freePort();
  const dir = path.join(work, "goproxy");
  await fs.mkdir(path.join(dir, "gomodcache"), { recursive: true });
  const child = spawn(bin, [`127.0.0.1:${port}`, path.join(dir, "cache")], {
    // The bench modules are in no checksum database; modproxy is told the same with GONOSUMDB.
    env: { ...process.env, GOPROXY: upstream, GOSUMDB: "off", GOMODCACHE: path.join(dir, "gomodcache"), GOFLAGS: "-modcacherw", TMPDIR: dir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return started("goproxy", child, port, "/");
}

export async function startModproxy(
  work: string,
  bundle: string,
  upstream: string,
  opts: { name?: string; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<Server> {
  const port = await freePort();
  // Node refuses --cpu-prof in NODE_OPTIONS; given on the command line, cluster workers inherit it.
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), bundle, "serve"], {
    env: {
      ...process.env,
      PORT: String(port),
      MODPROXY_HOST: "127.0.0.1",
      MODPROXY_STORAGE_DIR: path.join(work, "modproxy"),
      MODPROXY_SPOOL_DIR: path.join(work, "modproxy-spool"),
      MODPROXY_UPSTREAM: upstream,
      ...opts.env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return started(opts.name ?? "modproxy", child, port, "/healthz");
}

/** A process and its descendants, as the kernel lists them. */
export function processTree(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return [pid, ...children.flatMap(processTree)];
}

export function rssMiB(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the total RSS of a process tree until stopped; the peak of the sums. */
export function watchRss(pid: number): { peak: () => number; stop: () => void } {
  let peak = 0;
  const sample = () =>
    (peak = Math.max(
      peak,
      processTree(pid).reduce((sum, p) => sum + rssMiB(p), 0),
    ));
  sample();
  const timer = setInterval(sample, 100);
  return {
    peak: () => (sample(), peak),
    stop: () => clearInterval(timer),
  };
}
