/**
 * Benchmarks of the proxy as a separate process, the way it runs in production:
 * zip throughput on a cache miss (stream to client and disk at once) and on a
 * hit, peak memory of the proxy while moving a zip much larger than its heap
 * would hold, and the rate of small cached requests.
 *
 *   npm run bench [-- --zip-mib 256 --requests 3000]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, promises as fs, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startStaticServer } from "../test/support/static-server";

const { values } = parseArgs({ options: { "zip-mib": { type: "string", default: "256" }, requests: { type: "string", default: "3000" } } });
const ZIP_MIB = Number(values["zip-mib"]);
const REQUESTS = Number(values.requests);
const MODULE = "example.com/bench/big";
const VERSION = "v1.0.0";

async function writeUpstreamTree(root: string): Promise<void> {
  const dir = path.join(root, MODULE, "@v");
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "list"), `${VERSION}\n`);
  await fs.writeFile(path.join(dir, `${VERSION}.info`), JSON.stringify({ Version: VERSION, Time: "2026-01-01T00:00:00Z" }));
  await fs.writeFile(path.join(dir, `${VERSION}.mod`), `module ${MODULE}\n`);
  // Incompressible content: the proxy does not unpack zips, so any bytes measure the streaming path.
  const out = createWriteStream(path.join(dir, `${VERSION}.zip`));
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < ZIP_MIB; i++) if (!out.write(chunk)) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

/** Peak resident memory of a process so far, from the kernel's own high-water mark. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function currentRssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** GETs a URL, discarding the body; returns bytes received. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        let n = 0;
        res.on("data", (c: Buffer) => (n += c.length));
        res.on("end", () => resolve(n));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

async function waitForUp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await new Promise<void>((resolve, reject) => http.get(url, (r) => (r.resume(), r.statusCode === 200 ? resolve() : reject())).on("error", reject));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`proxy did not come up at ${url}`);
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-bench-"));
  try {
    await writeUpstreamTree(path.join(work, "upstream"));
    const upstream = await startStaticServer(path.join(work, "upstream"));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const proxy = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "../proxy-app/src/cli.ts"), "serve"], {
      env: { ...process.env, PORT: String(port), MODPROXY_HOST: "127.0.0.1", MODPROXY_STORAGE_DIR: path.join(work, "store"), MODPROXY_UPSTREAM: upstream.url },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForUp(`${base}/healthz`);
      const pid = proxy.pid!;
      const idleRss = currentRssMiB(pid);
      const zipUrl = `${base}/${MODULE}/@v/${VERSION}.zip`;

      let t = performance.now();
      const missBytes = await get(zipUrl);
      const missSecs = (performance.now() - t) / 1000;
      // The stored copy is written as the client reads; give the last write a moment to be renamed in place.
      const storedZip = path.join(work, "store", MODULE, "@v", `${VERSION}.zip`);
      for (let i = 0; i < 100 && !(await fs.stat(storedZip).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 50));
      const peakAfterMiss = peakRssMiB(pid);

      t = performance.now();
      const hitBytes = await get(zipUrl);
      const hitSecs = (performance.now() - t) / 1000;
      const peakAfterHit = peakRssMiB(pid);

      const modUrl = `${base}/${MODULE}/@v/${VERSION}.mod`;
      await get(modUrl);
      const latencies: number[] = [];
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < REQUESTS) {
            const s = performance.now();
            await get(modUrl);
            latencies.push(performance.now() - s);
          }
        }),
      );
      const totalSecs = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);

      const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
      console.log(`modproxy benchmark (node ${process.version}, ${os.cpus().length} cores)`);
      console.log(`zip size                         ${mib(missBytes)} MiB (hit returned ${mib(hitBytes)} MiB)`);
      console.log(`zip miss (upstream -> client+disk) ${(missBytes / 1024 / 1024 / missSecs).toFixed(0)} MiB/s`);
      console.log(`zip hit (disk -> client)          ${(hitBytes / 1024 / 1024 / hitSecs).toFixed(0)} MiB/s`);
      console.log(`proxy RSS idle                    ${idleRss.toFixed(0)} MiB`);
      console.log(`proxy peak RSS after miss / hit   ${peakAfterMiss.toFixed(0)} / ${peakAfterHit.toFixed(0)} MiB (zip is ${ZIP_MIB} MiB)`);
      console.log(
        `cached .mod, 8 concurrent         ${(latencies.length / totalSecs).toFixed(0)} req/s, p50 ${pct(50)} ms, p99 ${pct(99)} ms over ${latencies.length} requests`,
      );
      if (peakAfterHit - idleRss > ZIP_MIB / 2) {
        console.error(`FAIL: peak RSS grew by ${(peakAfterHit - idleRss).toFixed(0)} MiB moving a ${ZIP_MIB} MiB zip: it is being buffered`);
        process.exitCode = 1;
      }
    } finally {
      proxy.kill("SIGTERM");
      await once(proxy, "exit");
      await upstream.close();
      agent.destroy();
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
