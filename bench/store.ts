/**
 * The store benchmark: what a large store costs the commands and pages that
 * walk it. Builds a disk store of many small module versions (real .info,
 * .mod and .zip files with their records and access stamps), then measures
 * the catalog of `modproxy serve` (/catalog, a search, /ui/, /index) and
 * `modproxy gc` (dry runs and real ones, --unused-for and --max-size): wall
 * time and peak RSS, exact from the process's own resource usage.
 *
 *   npm run bench:store [-- --versions 10000 --json bench/last-store-run.json]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { eachConcurrently } from "../proxy-app/src/single-flight";
import { versionObjects, VersionSpec } from "../test/support/stored-versions";
import { buildModproxy, rssMiB, startModproxy } from "./servers";

const ROOT = path.resolve(__dirname, "..");
const DAY = 24 * 3600_000;
/** Versions per module: a store of many modules with a few versions each, as a company's is. */
const PER_MODULE = 10;

const { values: args } = parseArgs({
  options: { versions: { type: "string", default: "10000" }, json: { type: "string", default: path.join(ROOT, "bench", "last-store-run.json") } },
});
const VERSIONS = Number(args.versions);
if (!Number.isSafeInteger(VERSIONS) || VERSIONS < PER_MODULE) throw new Error(`--versions must be a whole number of at least ${PER_MODULE}`);

interface Figure {
  what: string;
  seconds: number;
  peakRssMiB?: number;
  note?: string;
}

/** The store's versions: sizes vary, last use spread over a year, hits over a range, one in ten never served. */
function specs(now: number): VersionSpec[] {
  return Array.from({ length: VERSIONS }, (_, i) => ({
    module: `example.com/store/m${String(Math.floor(i / PER_MODULE)).padStart(5, "0")}`,
    version: `v1.${i % PER_MODULE}.0`,
    zipBytes: 1000 + (i % 20) * 250,
    checksum: i % 50 === 0 ? "not-looked-up" : "verified",
    access: i % 10 === 9 ? undefined : { at: now - ((i * 37) % 365) * DAY, hits: (i * 13) % 500 },
  }));
}

/** Writes the objects straight to files (no sync per file, unlike the proxy): the store is made in seconds. */
async function buildStore(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const dirs = new Map<string, Promise<unknown>>();
  await eachConcurrently(specs(Date.now()), 32, async (spec) => {
    for (const [key, body] of versionObjects(spec)) {
      const file = path.join(dir, key);
      const parent = path.dirname(file);
      if (!dirs.has(parent)) dirs.set(parent, fs.mkdir(parent, { recursive: true }));
      await dirs.get(parent);
      await fs.writeFile(file, body);
      files++;
      bytes += body.length;
    }
  });
  return { files, bytes };
}

/** Runs a modproxy command to its end; its wall time, and its peak RSS as it reports it itself when it exits. */
async function measureCommand(bundle: string, args: string[]): Promise<{ seconds: number; peakRssMiB: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ["--require", path.join(__dirname, "max-rss.cjs"), bundle, ...args], { stdio: ["ignore", "pipe", "inherit", "pipe"] });
  let stdout = "";
  let rss = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  (child.stdio[3] as Readable).setEncoding("utf8").on("data", (s: string) => (rss += s));
  const [code] = (await once(child, "exit")) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`modproxy ${args.join(" ")} exited ${code}:\n${stdout}`);
  return { seconds, peakRssMiB: Number(rss.trim()) / 1024, stdout };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-bench-store-"));
  const store = path.join(work, "store");
  const figures: Figure[] = [];
  try {
    console.error(`bench:store: bundling modproxy...`);
    const bundle = buildModproxy(ROOT);
    console.error(`bench:store: writing ${VERSIONS.toLocaleString("en-US")} versions to ${store}...`);
    const built = await timed(() => buildStore(store));
    console.error(
      `bench:store: ${built.value.files.toLocaleString("en-US")} files, ${(built.value.bytes / 1e6).toFixed(1)} MB in ${built.seconds.toFixed(1)} s`,
    );

    console.error("bench:store: the catalog of modproxy serve (one worker)...");
    const server = await startModproxy(work, bundle, "off", { env: { MODPROXY_STORAGE_DIR: store, MODPROXY_WORKERS: "1" } });
    try {
      const get = async (p: string) => {
        const res = await fetch(server.url + p);
        if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
        return res.text();
      };
      const cold = await timed(() => get("/catalog?limit=100"));
      const page = JSON.parse(cold.value) as { total: number; snapshotMs: number };
      if (page.total !== VERSIONS) throw new Error(`the catalog shows ${page.total} versions, not ${VERSIONS}`);
      figures.push({ what: `/catalog first page, first request (walks the store, reads every record and stamp)`, seconds: cold.seconds });
      figures.push({ what: "/catalog first page, from the snapshot", seconds: (await timed(() => get("/catalog?limit=100"))).seconds });
      const search = await timed(() => get("/catalog?q=m00042"));
      figures.push({ what: `/catalog search "m00042" (${(JSON.parse(search.value) as { total: number }).total} matches)`, seconds: search.seconds });
      figures.push({ what: "/ui/ first page (HTML)", seconds: (await timed(() => get("/ui/"))).seconds });
      figures.push({ what: "/index, 2000 lines", seconds: (await timed(() => get("/index"))).seconds });
      // Past the snapshot's TTL (at least ten times the walk): a walk again, rereading only what changed (nothing here).
      await new Promise((r) => setTimeout(r, Math.max(10_500, page.snapshotMs * 10 + 500)));
      await get("/catalog?limit=1");
      // The request above may have been answered from the old snapshot while the walk ran: wait it out.
      await new Promise((r) => setTimeout(r, 2_000));
      const refreshed = JSON.parse(await get("/catalog?limit=1")) as { snapshotMs: number };
      figures.push({ what: "catalog refresh after its TTL (walk, nothing reread)", seconds: refreshed.snapshotMs / 1000 });
      figures.push({ what: "modproxy serve after the above", seconds: NaN, peakRssMiB: rssMiB(server.process.pid!, "VmHWM") });
    } finally {
      await server.stop();
    }

    const storeBytes = built.value.bytes;
    const gc = (what: string, args: string[]) =>
      measureCommand(bundle, ["gc", "--storage-dir", store, ...args]).then((r) => {
        const summary = /gc of [^\n]*/.exec(r.stdout)?.[0] ?? "";
        figures.push({ what, seconds: r.seconds, peakRssMiB: r.peakRssMiB, note: summary });
        console.error(`bench:store: ${what}: ${r.seconds.toFixed(2)} s, ${r.peakRssMiB.toFixed(0)} MiB; ${summary}`);
      });
    const half = String(Math.floor(storeBytes / 2));
    await gc("gc --unused-for 2160h (dry run)", ["--unused-for", "2160h"]);
    await gc(`gc --max-size ${half} (dry run)`, ["--max-size", half]);
    await gc("gc --unused-for 4320h --delete", ["--unused-for", "4320h", "--delete"]);
    await gc(`gc --max-size ${Math.floor(storeBytes / 4)} --delete`, ["--max-size", String(Math.floor(storeBytes / 4)), "--delete"]);

    const machine = `${os.cpus()[0]?.model ?? "unknown"}, ${os.availableParallelism()} CPUs, ${Math.round(os.totalmem() / 1024 ** 3)} GiB; Linux ${os.release()}; node ${process.version}`;
    console.log(
      `\nA disk store of ${VERSIONS.toLocaleString("en-US")} versions (${built.value.files.toLocaleString("en-US")} files, ${(storeBytes / 1e6).toFixed(1)} MB):\n`,
    );
    console.log("| measurement | wall time (s) | peak RSS (MiB) |");
    console.log("| --- | ---: | ---: |");
    for (const f of figures) {
      console.log(`| ${f.what} | ${Number.isNaN(f.seconds) ? "–" : f.seconds.toFixed(3)} | ${f.peakRssMiB === undefined ? "–" : f.peakRssMiB.toFixed(0)} |`);
    }
    console.log(`\nMachine: ${machine}.`);
    await fs.writeFile(
      args.json,
      JSON.stringify({ date: new Date().toISOString(), machine, versions: VERSIONS, files: built.value.files, storeBytes, figures }, null, 2) + "\n",
    );
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench:store: ${err.stack ?? err.message}`);
  process.exit(1);
});
