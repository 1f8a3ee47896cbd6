/**
 * The side-by-side benchmark: modproxy (the bundle the image runs), nginx
 * serving the same files from disk (the ceiling) and goproxy/goproxy (a Go
 * module proxy with its disk cacher), each in front of one fixture upstream
 * on loopback, measured with wrk and curl. Prints one table of modproxy's
 * figures as ratios of the others' and writes them all as JSON.
 *
 *   npm run bench [-- --duration 5 --json bench/last-run.json --cpu-prof DIR]
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { S3_TEST_ENV, startS3Server } from "../test/support/s3-server";
import { startStaticServer, StaticServer } from "../test/support/static-server";
import { startTestSumdb } from "../test/support/sumdb";
import { BenchModule, PREFIX, versionFiles, writeTree } from "./fixtures";
import { buildGoproxy, buildModproxy, ensureTools, processTree, rssMiB, Server, startGoproxy, startModproxy, startNginx, watchRss } from "./servers";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    json: { type: "string", default: path.join(__dirname, "last-run.json") },
    "cpu-prof": { type: "string" },
  },
});
const DURATION = Number(values.duration);
const ROOT = path.resolve(__dirname, "..");

const SMALL = `${PREFIX}/small`;
const TEN = `${PREFIX}/ten`;
const BIG = `${PREFIX}/big`;
const COLD = `${PREFIX}/cold`;
const GRAPH = Array.from({ length: 50 }, (_, i) => `${PREFIX}/dep${String(i + 1).padStart(2, "0")}`);
const MODULES: BenchModule[] = [
  { path: SMALL, padding: 100 * 1000 },
  { path: TEN, padding: 10 * 1000 * 1000 },
  { path: BIG, padding: 100 * 1000 * 1000 },
  { path: COLD, padding: 1000 * 1000 },
  ...GRAPH.map((p) => ({ path: p, padding: 0 })),
];

const GO_MOD_DOWNLOAD = "cold `go mod download`, 50 modules (modproxy holds each to a checksum database)";

type Unit = "req/s" | "s" | "MiB";
interface Row {
  name: string;
  unit: Unit;
  /** Per server name; absent where a server does not take part. */
  values: Record<string, number | undefined>;
  /** Extra figures shown beside the rate, e.g. p50 latency. */
  notes?: Record<string, string>;
}

/** modproxy-s3 is modproxy with S3 storage (moto on loopback), measured on hot small files: what the memory tier serves. */
const SERVERS = ["nginx", "goproxy", "modproxy", "modproxy-s3"] as const;

interface WrkResult {
  rps: number;
  p50ms: number;
  errors: number;
}

/** Runs a command to its end without blocking this process, whose fixture upstream must keep answering. */
async function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (out += s));
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${code}: ${out}`);
  return out;
}

async function wrk(url: string, connections: number, seconds = DURATION): Promise<WrkResult> {
  const out = await run("wrk", ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /50%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const p50ms = p50 ? Number(p50[1]) * { us: 0.001, ms: 1, s: 1000 }[p50[2] as "us" | "ms" | "s"] : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50ms, errors };
}

/** One GET, body discarded; fails on anything but 200. */
function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on("error", reject);
  });
}

/** Seconds until `clients` curl processes have each downloaded `url`, and how many of them failed. */
async function manyDownloads(url: string, clients: number): Promise<{ secs: number; failed: number }> {
  const t = performance.now();
  let failed = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const curl = spawn("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", url], { stdio: ["ignore", "pipe", "ignore"] });
      let code = "";
      curl.stdout.setEncoding("utf8").on("data", (s: string) => (code += s));
      const [exit] = await once(curl, "exit");
      if (exit !== 0 || code !== "200") failed++;
    }),
  );
  return { secs: (performance.now() - t) / 1000, failed };
}

/** Seconds for a cold `go mod download` of the 50-module graph through `proxy`. */
async function goModDownload(work: string, proxy: string): Promise<number> {
  const dir = await fs.mkdtemp(path.join(work, "gomod-"));
  await fs.writeFile(path.join(dir, "go.mod"), `module example.com/benchmain\n\ngo 1.21\n\nrequire (\n${GRAPH.map((m) => `\t${m} v1.0.0\n`).join("")})\n`);
  const env = { ...process.env, GOPROXY: proxy, GOSUMDB: "off", GOMODCACHE: path.join(dir, "modcache"), GOFLAGS: "-modcacherw -mod=mod", GOTOOLCHAIN: "local" };
  const t = performance.now();
  await run("go", ["mod", "download"], { cwd: dir, env });
  const secs = (performance.now() - t) / 1000;
  await fs.rm(dir, { recursive: true, force: true });
  return secs;
}

interface ServerReport {
  rows: Map<string, { value: number; note?: string }>;
  peakRssMiB: number;
  /** modproxy only: RSS of each process when idle and at its peak. */
  processes?: { pid: number; idleMiB: number; peakMiB: number }[];
}

async function measure(server: Server, upstream: StaticServer, work: string): Promise<ServerReport> {
  const rows = new Map<string, { value: number; note?: string }>();
  const pid = server.process.pid!;
  const idle = new Map(processTree(pid).map((p) => [p, rssMiB(p)]));
  const rss = watchRss(pid);
  const file = (m: string, kind: keyof ReturnType<typeof versionFiles>) => `${server.url}/${versionFiles(m)[kind]}`;
  const hotOnly = server.name === "modproxy-s3";
  try {
    if (server.name !== "nginx" && !hotOnly) {
      // Cold first, while nothing is cached: 200 clients at once for one zip.
      const asked = () => upstream.requests.filter((r) => r.path === `/${versionFiles(COLD).zip}`).length;
      const before = asked();
      const t = performance.now();
      await Promise.all(Array.from({ length: 200 }, () => get(file(COLD, "zip"))));
      rows.set("200 concurrent cold requests for one 1 MB zip", { value: (performance.now() - t) / 1000, note: `upstream fetches: ${asked() - before}` });
      rows.set(GO_MOD_DOWNLOAD, { value: await goModDownload(work, server.url) });
    }
    for (const m of hotOnly ? [SMALL] : [SMALL, TEN, BIG]) for (const kind of ["info", "mod", "zip", "list", "latest"] as const) await get(file(m, kind));
    // Caches filled, and a second of load so the first row does not pay for JIT compilation.
    await wrk(file(SMALL, "info"), 64, 1);
    const scenarios: [string, string, number][] = [
      ["`.info` at 64 connections", file(SMALL, "info"), 64],
      ["`.info` at 8 connections", file(SMALL, "info"), 8],
      ["`.mod` at 64 connections", file(SMALL, "mod"), 64],
      ["zip 100 KB at 64 connections", file(SMALL, "zip"), 64],
      ["zip 10 MB at 8 connections", file(TEN, "zip"), 8],
      ["zip 10 MB at 64 connections", file(TEN, "zip"), 64],
      ["`list` at 64 connections", file(SMALL, "list"), 64],
      ["`@latest` at 64 connections", file(SMALL, "latest"), 64],
    ];
    for (const [name, url, connections] of hotOnly ? scenarios.slice(0, 4) : scenarios) {
      const r = await wrk(url, connections);
      rows.set(name, { value: r.rps, note: `p50 ${r.p50ms.toFixed(2)} ms${r.errors ? `, ${r.errors} errors` : ""}` });
      console.error(`${server.name.padEnd(9)} ${name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50ms.toFixed(2)} ms`);
    }
    if (!hotOnly) {
      const { secs, failed } = await manyDownloads(file(BIG, "zip"), 50);
      rows.set("50 clients x 100 MB zip at once", { value: secs, note: failed ? `${failed} downloads cut short` : undefined });
      console.error(`${server.name.padEnd(9)} 50 x 100 MB                        ${secs.toFixed(1)} s, ${failed} failed`);
    }
    return {
      rows,
      peakRssMiB: rss.peak(),
      processes: server.name === "modproxy" ? processTree(pid).map((p) => ({ pid: p, idleMiB: idle.get(p) ?? NaN, peakMiB: rssMiB(p, "VmHWM") })) : undefined,
    };
  } finally {
    rss.stop();
  }
}

function describeMachine(): Record<string, string | number> {
  const version = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).output.join("").trim().split("\n")[0];
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    kernel: os.release(),
    node: process.version,
    go: version("go", ["version"]),
    nginx: version("nginx", ["-v"]),
    wrk: version("wrk", ["--version"]).split(" ").slice(0, 2).join(" "),
  };
}

const RATE_ROWS = new Set(["req/s"]);

function table(rows: Row[]): string {
  const fmt = (v: number | undefined, unit: Unit) =>
    v === undefined ? "–" : unit === "req/s" ? Math.round(v).toLocaleString("en-US") : v.toFixed(unit === "s" ? 2 : 0);
  // How many times as fast (or, for memory, as lean) `mine` is: above 1 it leads.
  const ratio = (unit: Unit, mine: number | undefined, theirs: number | undefined) => {
    if (mine === undefined || theirs === undefined || mine === 0 || theirs === 0) return "–";
    return `${(RATE_ROWS.has(unit) ? mine / theirs : theirs / mine).toFixed(2)}`;
  };
  const lines = [
    "| measurement | nginx | goproxy | modproxy | modproxy ÷ nginx | modproxy ÷ goproxy | modproxy on S3 | S3 ÷ disk |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => {
      const cell = (s: string) => `${fmt(r.values[s], r.unit)}${r.notes?.[s] ? ` (${r.notes[s]})` : ""}`;
      const { nginx, goproxy, modproxy } = r.values;
      const onS3 = r.values["modproxy-s3"];
      return (
        `| ${r.name} (${r.unit}) | ${cell("nginx")} | ${cell("goproxy")} | ${cell("modproxy")} | ${ratio(r.unit, modproxy, nginx)} | ` +
        `${ratio(r.unit, modproxy, goproxy)} | ${cell("modproxy-s3")} | ${ratio(r.unit, onS3, modproxy)} |`
      );
    }),
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  ensureTools();
  const bundle = buildModproxy(ROOT);
  const goproxyBin = buildGoproxy();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-bench-"));
  // nginx's workers drop root for "nobody", who must be able to read the tree.
  await fs.chmod(work, 0o755);
  const tree = path.join(work, "tree");
  console.error("writing the fixture modules");
  // modproxy verifies every module against this database, reached through the upstream as the public one is.
  const sumdb = await startTestSumdb(await writeTree(tree, MODULES));
  const upstream = await startStaticServer(tree, sumdb);
  const s3 = await startS3Server();
  const reports = new Map<string, ServerReport>();
  try {
    const direct = await goModDownload(work, upstream.url);
    for (const name of SERVERS) {
      const server =
        name === "nginx"
          ? await startNginx(work, tree)
          : name === "goproxy"
            ? await startGoproxy(work, goproxyBin, upstream.url)
            : name === "modproxy"
              ? await startModproxy(work, bundle, upstream.url, {
                  env: { GOSUMDB: sumdb.vkey },
                  nodeArgs: values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values["cpu-prof"])}`] : [],
                })
              : await startModproxy(work, bundle, upstream.url, {
                  name,
                  env: {
                    ...S3_TEST_ENV,
                    GOSUMDB: sumdb.vkey,
                    MODPROXY_STORAGE: "s3",
                    MODPROXY_S3_BUCKET: await s3.createBucket(),
                    MODPROXY_S3_ENDPOINT: s3.endpoint,
                  },
                });
      try {
        reports.set(name, await measure(server, upstream, work));
      } finally {
        await server.stop();
      }
    }
    const names = [...reports.get("modproxy")!.rows.keys()];
    const rows: Row[] = names.map((name) => ({
      name,
      unit: name.includes("connections") ? "req/s" : "s",
      values: Object.fromEntries(SERVERS.map((s) => [s, reports.get(s)!.rows.get(name)?.value])),
      notes: Object.fromEntries(SERVERS.map((s) => [s, reports.get(s)!.rows.get(name)?.note ?? ""])),
    }));
    const cold = rows.find((r) => r.name === GO_MOD_DOWNLOAD)!;
    cold.name += `; straight from the upstream ${direct.toFixed(2)} s`;
    rows.push({ name: "peak RSS in the run, all processes", unit: "MiB", values: Object.fromEntries(SERVERS.map((s) => [s, reports.get(s)!.peakRssMiB])) });
    const machine = describeMachine();
    const processes = reports.get("modproxy")!.processes!;
    const markdown = [
      table(rows),
      "",
      `modproxy processes (primary first), RSS idle → peak: ${processes.map((p) => `${p.idleMiB.toFixed(0)} → ${p.peakMiB.toFixed(0)} MiB`).join(", ")}.`,
      "",
      `Machine: ${machine.cpu}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB; Linux ${machine.kernel}; node ${machine.node}; ${machine.go}; ${machine.nginx}; ${machine.wrk}. ` +
        `wrk -t2 for ${DURATION} s per row, on the same machine as the servers.`,
    ].join("\n");
    console.log(markdown);
    await fs.writeFile(
      values.json!,
      JSON.stringify(
        { date: new Date().toISOString(), machine, durationSeconds: DURATION, rows, directGoModDownloadSeconds: direct, modproxyProcesses: processes },
        null,
        2,
      ) + "\n",
    );
    console.error(`wrote ${values.json}`);
  } finally {
    await s3.stop();
    await upstream.close();
    await sumdb.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
