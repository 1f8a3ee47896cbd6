import { promises as fs } from "node:fs";
import { accessStamp, readAccessStamp } from "./access";
import { ArtifactStore } from "./artifact";
import { decodeCase } from "./module-path";
import type { VersionFileKind } from "./protocol";
import { isCanonicalModuleVersion } from "./semver";
import { eachConcurrently } from "./single-flight";
import type { Storage, StoredEntry } from "./storage/storage";

/** Versions examined at once: overlaps S3 round trips (a few per version) without flooding the bucket. */
const GC_CONCURRENCY = 16;
const DATA_KINDS: readonly VersionFileKind[] = ["info", "mod", "zip"];

/** A module version as stored: its files (with their records and access stamp) and what it takes. */
export interface StoredVersion {
  module: string;
  version: string;
  /** "<encoded module>/@v/<encoded version>": every key of the version starts with it. */
  base: string;
  /** The .info/.mod/.zip files present. */
  files: string[];
  /** Bytes of the files, their records and the stamp. */
  bytes: number;
  /** The last time it was served; undefined when it never was since tracking began. */
  lastAccess?: number;
}

export interface GcOptions {
  /** Remove versions not served for this long. */
  unusedForMs?: number;
  /** Then remove the least recently used versions until the store is at most this size. */
  maxBytes?: number;
  pins: PinList;
  /** Act; without it nothing is changed. */
  delete: boolean;
  now?: number;
  /** Each version chosen for removal, once it is removed (with `delete`, in no fixed order). */
  onRemove?: (v: StoredVersion, reason: string) => void;
  /** The number of versions read so far, as the walk of the store goes on (minutes on a large bucket). */
  onRead?: (versions: number) => void;
}

export interface GcSummary {
  versions: number;
  bytes: number;
  removed: { version: StoredVersion; reason: string }[];
  freed: number;
  pinned: number;
  /** Versions without an access stamp, counted as used now. */
  unstamped: number;
  ms: number;
}

/**
 * Retention: removes whole versions (.info, .mod, .zip, their records and
 * access stamp) that were not served for `unusedForMs`, then the least
 * recently used until the store fits `maxBytes`, never a pinned one. A
 * version with no access stamp (stored before tracking, or fetched and not
 * yet flushed) counts as used when gc first sees it: with `delete` gc writes
 * that stamp, so the next run measures from it, and nothing stored before
 * tracking began is lost for lack of history. A version served while gc
 * removes it is fetched again on its next request.
 */
export async function collectGarbage(storage: Storage, o: GcOptions): Promise<GcSummary> {
  const started = Date.now();
  const now = o.now ?? started;
  const versions = await readVersions(storage, o.onRead);
  const summary: GcSummary = { versions: versions.length, bytes: 0, removed: [], freed: 0, pinned: 0, unstamped: 0, ms: 0 };
  const candidates: StoredVersion[] = [];
  for (const v of versions) {
    summary.bytes += v.bytes;
    if (v.lastAccess === undefined) summary.unstamped++;
    if (o.pins.matches(v.module, v.version)) summary.pinned++;
    else candidates.push(v);
  }
  const lastUsed = (v: StoredVersion) => v.lastAccess ?? now;
  // Least recently used first; ties in a fixed order so dry runs and real runs agree.
  candidates.sort((a, b) => lastUsed(a) - lastUsed(b) || (a.base < b.base ? -1 : 1));
  const chosen = new Set<StoredVersion>();
  const choose = (v: StoredVersion, reason: string) => {
    chosen.add(v);
    summary.removed.push({ version: v, reason });
    summary.freed += v.bytes;
  };
  if (o.unusedForMs !== undefined) {
    for (const v of candidates) if (now - lastUsed(v) >= o.unusedForMs) choose(v, `not used since ${new Date(lastUsed(v)).toISOString()}`);
  }
  if (o.maxBytes !== undefined) {
    for (const v of candidates) {
      if (summary.bytes - summary.freed <= o.maxBytes) break;
      if (!chosen.has(v))
        choose(v, `least recently used (${v.lastAccess === undefined ? "never served" : new Date(v.lastAccess).toISOString()}) over the size limit`);
    }
  }
  const artifacts = new ArtifactStore(storage);
  await eachConcurrently(summary.removed, GC_CONCURRENCY, async ({ version, reason }) => {
    if (o.delete) {
      await Promise.all(version.files.map((file) => artifacts.remove(file)));
      // Last: a version left half-removed by a failure keeps its age for the next run.
      await storage.delete(`${version.base}.access`);
    }
    o.onRemove?.(version, reason);
  });
  if (o.delete) {
    await eachConcurrently(
      versions.filter((v) => v.lastAccess === undefined && !chosen.has(v)),
      GC_CONCURRENCY,
      (v) => storage.write(`${v.base}.access`, accessStamp(now), { overwrite: true }).then(() => undefined),
    );
  }
  summary.ms = Date.now() - started;
  return summary;
}

/** A version's objects as one walk of the store found them. */
export interface VersionObjects {
  module: string;
  version: string;
  base: string;
  /** Its objects by what follows the base: ".zip", ".zip.meta", ".access"... */
  objects: Map<string, StoredEntry>;
}

/** Every stored version that has a file, from one walk of the store: what gc and the catalog start from. */
export async function walkVersions(storage: Storage): Promise<VersionObjects[]> {
  const byBase = new Map<string, VersionObjects>();
  for await (const entry of storage.entries("")) {
    const parsed = versionKey(entry.key);
    if (!parsed) continue;
    let v = byBase.get(parsed.base);
    if (!v) byBase.set(parsed.base, (v = { module: parsed.module, version: parsed.version, base: parsed.base, objects: new Map() }));
    v.objects.set(entry.key.slice(parsed.base.length), entry);
  }
  // A stamp or record alone (its version removed while it was written) is no version.
  return [...byBase.values()].filter((v) => DATA_KINDS.some((kind) => v.objects.has(`.${kind}`)));
}

/** Which of .info/.mod/.zip a walked version has. */
export function kindsOf(v: VersionObjects): VersionFileKind[] {
  return DATA_KINDS.filter((kind) => v.objects.has(`.${kind}`));
}

/** The .info/.mod/.zip files of a walked version, as storage keys. */
export function dataFilesOf(v: VersionObjects): string[] {
  return kindsOf(v).map((kind) => `${v.base}.${kind}`);
}

/** Bytes of a walked version's files, records and stamp. */
export function bytesOf(v: VersionObjects): number {
  let bytes = 0;
  for (const e of v.objects.values()) bytes += e.size;
  return bytes;
}

/** Every stored version, with sizes and last access, from one walk of the store and a read of each access stamp. */
export async function readVersions(storage: Storage, onRead: (versions: number) => void = () => {}): Promise<StoredVersion[]> {
  const versions: StoredVersion[] = [];
  await eachConcurrently(await walkVersions(storage), GC_CONCURRENCY, async (v) => {
    versions.push({
      module: v.module,
      version: v.version,
      base: v.base,
      files: dataFilesOf(v),
      bytes: bytesOf(v),
      lastAccess: v.objects.has(".access") ? (await readAccessStamp(storage, `${v.base}.access`))?.lastAccess : undefined,
    });
    onRead(versions.length);
  });
  return versions;
}

/** The version a key belongs to, when it is one of a version's files, records or access stamp. */
function versionKey(key: string): { base: string; module: string; version: string; kind: "data" | "record" | "access" } | undefined {
  const m = /^(.+)\/@v\/([^/]+)\.(info|mod|zip|info\.meta|mod\.meta|zip\.meta|access)$/.exec(key);
  if (!m) return undefined;
  try {
    const module = decodeCase(m[1]);
    const version = decodeCase(m[2]);
    if (!isCanonicalModuleVersion(version)) return undefined;
    const kind = m[3] === "access" ? "access" : (DATA_KINDS as readonly string[]).includes(m[3]) ? "data" : "record";
    return { base: `${m[1]}/@v/${m[2]}`, module, version, kind };
  } catch {
    // Not a key this proxy wrote.
    return undefined;
  }
}

/** Versions gc never removes: lines "module@version" or "module" (every version), "#" comments. */
export class PinList {
  private constructor(private readonly pins: Map<string, Set<string> | "all">) {}

  static parse(text: string): PinList {
    const pins = new Map<string, Set<string> | "all">();
    for (const raw of text.split("\n")) {
      const line = raw.replace(/#.*/, "").trim();
      if (line === "") continue;
      const at = line.lastIndexOf("@");
      const module = at > 0 ? line.slice(0, at) : line;
      const existing = pins.get(module);
      if (at <= 0) pins.set(module, "all");
      else if (existing !== "all") pins.set(module, (existing ?? new Set()).add(line.slice(at + 1)));
    }
    return new PinList(pins);
  }

  static async read(file: string): Promise<PinList> {
    return PinList.parse(await fs.readFile(file, "utf8"));
  }

  static none(): PinList {
    return new PinList(new Map());
  }

  matches(module: string, version: string): boolean {
    const pin = this.pins.get(module);
    return pin === "all" || (pin !== undefined && pin.has(version));
  }
}
