import { promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { ProxyServices } from "./app";
import { ArtifactRecord } from "./artifact";
import { GoFileError, GoSumLine, ModuleVersion, Named, parseGoMod, parseGoSum, parseGoWork, Replacement, replacementOf } from "./gofiles";
import { checkModulePath, checkPathMajor, encodeCase } from "./module-path";
import { Progress } from "./progress";
import { VersionFileKind, VersionFileRequest, versionFilePath } from "./protocol";
import { isCanonicalModuleVersion } from "./semver";
import { eachConcurrently } from "./single-flight";

/** Versions warmed at once: enough to overlap round trips, few enough to stay polite to the upstream. */
const WARM_CONCURRENCY = 8;

/** A module version a build needs, and the go.sum lines that name it. */
export interface WarmTarget extends ModuleVersion {
  /** The build needs its code (.info, .mod and .zip), not only its go.mod (.mod). */
  zip: boolean;
  sums: GoSumLine[];
}

/**
 * The module versions the given go.mod, go.sum and go.work files (or
 * directories: their go.work, else their go.mod and go.sum) name. Throws
 * GoFileError for a file that cannot be read or is not what its name says.
 */
export async function readWarmTargets(inputs: string[]): Promise<WarmTarget[]> {
  const targets = new Map<string, WarmTarget>();
  const need = (mv: ModuleVersion & Named, zip: boolean): WarmTarget => {
    const fail = (why: string) => new GoFileError(`${mv.at}: ${mv.module}@${mv.version}: ${why}`);
    if (!isCanonicalModuleVersion(mv.version)) throw fail("not a canonical module version");
    try {
      checkModulePath(mv.module);
      checkPathMajor(mv.version, mv.module);
    } catch (err) {
      throw fail((err as Error).message);
    }
    const key = `${mv.module}@${mv.version}`;
    const target = targets.get(key) ?? { module: mv.module, version: mv.version, zip: false, sums: [] };
    target.zip ||= zip;
    targets.set(key, target);
    return target;
  };
  const addSum = async (file: string, optional = false) => {
    const text = await readText(file, optional);
    for (const line of text === undefined ? [] : parseGoSum(text, file)) need(line, !line.goModOnly).sums.push(line);
  };
  const addMod = async (file: string, replace: Replacement[] = [], workspace = new Set<string>()) => {
    const mod = parseGoMod((await readText(file)) as string, file);
    const all = [...replace, ...mod.replace];
    for (const req of mod.require) {
      // A workspace's own modules and directories replacing a module are built from the tree at hand.
      if (workspace.has(req.module)) continue;
      const r = replacementOf(all, req.module, req.version);
      if (r === undefined) need(req, true);
      else if (r.toVersion !== undefined) need({ module: r.to, version: r.toVersion, at: r.at }, true);
    }
  };
  const addWork = async (file: string) => {
    const work = parseGoWork((await readText(file)) as string, file);
    const dirs = work.use.map((u) => path.resolve(path.dirname(file), u));
    const mods = await Promise.all(dirs.map(async (d) => parseGoMod((await readText(path.join(d, "go.mod"))) as string, path.join(d, "go.mod"))));
    const workspace = new Set(mods.flatMap((m) => (m.module === undefined ? [] : [m.module])));
    for (const d of dirs) {
      await addMod(path.join(d, "go.mod"), work.replace, workspace);
      await addSum(path.join(d, "go.sum"), true);
    }
    await addSum(`${file}.sum`, true);
  };

  for (const input of inputs) {
    const st = await fs.stat(input).catch(() => {
      throw new GoFileError(`${input}: no such file or directory`);
    });
    const base = path.basename(input);
    if (st.isDirectory()) {
      if (await exists(path.join(input, "go.work"))) await addWork(path.join(input, "go.work"));
      else if (await exists(path.join(input, "go.mod"))) {
        await addMod(path.join(input, "go.mod"));
        await addSum(path.join(input, "go.sum"), true);
      } else throw new GoFileError(`${input}: holds neither go.work nor go.mod`);
    } else if (base === "go.work") await addWork(input);
    else if (base.endsWith(".sum")) await addSum(input);
    else if (base.endsWith(".mod")) await addMod(input);
    else throw new GoFileError(`${input}: not a go.mod, go.sum or go.work (nor a directory holding one)`);
  }
  return [...targets.values()];
}

export interface WarmSummary {
  versions: number;
  warmed: number;
  cached: number;
  failed: { version: string; why: string }[];
  /** Bytes of version files fetched and stored. */
  bytes: number;
  ms: number;
}

/**
 * Gets every target into storage through the proxy's own verified path, with
 * its checksum-database record (and the tiles proving it), so the proxy can
 * serve the build and let its clients verify it with every upstream gone.
 * Each version is also held to the go.sum lines naming it.
 */
export async function warm(services: ProxyServices, targets: WarmTarget[], progress: Progress): Promise<WarmSummary> {
  const started = Date.now();
  const summary: WarmSummary = { versions: targets.length, warmed: 0, cached: 0, failed: [], bytes: 0, ms: 0 };
  let done = 0;
  await eachConcurrently(targets, WARM_CONCURRENCY, async (target) => {
    const name = `${target.module}@${target.version}`;
    let outcome: string;
    try {
      const fetched = await warmOne(services, target);
      summary.bytes += fetched ?? 0;
      if (fetched === undefined) summary.cached++;
      else summary.warmed++;
      outcome = fetched === undefined ? `cached ${name}` : `warmed ${name} (${formatBytes(fetched)})`;
    } catch (err) {
      // The fetcher's messages start with the version themselves.
      const why = (err as Error).message.split("\n")[0].replace(`${name}: `, "");
      summary.failed.push({ version: name, why });
      outcome = `FAILED ${name}: ${why}`;
    }
    done++;
    if (!progress.tty || outcome.startsWith("FAILED")) progress.line(outcome);
    progress.update(`warming [${done}/${targets.length}] ${summary.warmed} warmed, ${summary.cached} cached, ${summary.failed.length} failed: ${name}`);
  });
  progress.end();
  summary.ms = Date.now() - started;
  return summary;
}

/** Warms one version; returns the bytes it fetched, or undefined when everything was stored already. */
async function warmOne({ service, artifacts, storage, sumdb }: ProxyServices, target: WarmTarget): Promise<number | undefined> {
  const encodedModule = encodeCase(target.module);
  const encodedVersion = encodeCase(target.version);
  const kinds: VersionFileKind[] = target.zip ? ["info", "mod", "zip"] : ["mod"];
  const records = new Map<VersionFileKind, ArtifactRecord>();
  let fetched: number | undefined;
  for (const kind of kinds) {
    const key = versionFilePath(encodedModule, encodedVersion, kind);
    let record = await artifacts.record(key);
    const stored = record && (await storage.stat(key));
    if (record && stored) {
      // A cheap look, not a re-read of every zip: `modproxy verify` holds the bytes to their records.
      if (stored.size !== record.size) throw new Error(`the stored .${kind} does not match its record: run modproxy verify --purge`);
    } else {
      const req: VersionFileRequest = { kind, module: target.module, encodedModule, version: target.version, encodedVersion };
      const artifact = await service.versionFile(req);
      // The last byte of a fetched zip comes only once it is checked and stored.
      if (artifact.body instanceof Readable) await finished(artifact.body.resume());
      record = await artifacts.record(key);
      if (!record) throw new Error(`the .${kind} was fetched and checked but storage did not keep it (see the log)`);
      fetched = (fetched ?? 0) + record.size;
    }
    records.set(kind, record);
  }
  // Stores the database's record and its proof, for clients verifying through the proxy; undefined for GONOSUMDB.
  const hashes = await sumdb.hashesFor(target.module, target.version);
  const problems: string[] = [];
  const have = (goMod: boolean) => records.get(goMod ? "mod" : "zip")?.h1;
  if (hashes) {
    for (const [goMod, want] of [
      [false, hashes.zip],
      [true, hashes.mod],
    ] as const) {
      const h1 = have(goMod);
      if (h1 !== undefined && h1 !== want) problems.push(`the stored ${goMod ? ".mod" : "zip"} hashes to ${h1} but ${hashes.db} records ${want}`);
    }
  }
  for (const line of target.sums) {
    const h1 = have(line.goModOnly);
    if (line.hash.startsWith("h1:") && h1 !== undefined && line.hash !== h1) {
      problems.push(
        `${line.at} says ${line.hash} but the ${line.goModOnly ? ".mod" : "zip"} ${hashes ? `${hashes.db} vouches for` : "stored"} hashes to ${h1}`,
      );
    }
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  return fetched;
}

export function formatSummary(s: WarmSummary): string {
  const lines = [
    `warm: ${s.versions} module versions in ${(s.ms / 1000).toFixed(1)}s: ${s.warmed} warmed, ${s.cached} already cached, ${s.failed.length} failed; ${formatBytes(s.bytes)} fetched`,
  ];
  if (s.failed.length > 0) lines.push("failed:", ...s.failed.map((f) => `  ${f.version}: ${f.why}`));
  return lines.join("\n");
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

async function readText(file: string, optional = false): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new GoFileError(`${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
