import { AccessRecord, readAccessStamp } from "./access";
import { ArtifactStore, ChecksumStatus } from "./artifact";
import { bytesOf, kindsOf, VersionObjects, walkVersions } from "./gc";
import type { VersionFileKind } from "./protocol";
import { compareVersions } from "./semver";
import { eachConcurrently } from "./single-flight";
import type { Storage, StoredEntry } from "./storage/storage";

/** How long a snapshot answers before the store is walked again: new versions show within this. */
export const CATALOG_TTL_MS = 10_000;
/** A walk taking longer than this is not waited for while an older snapshot can answer: pages stay quick on a large store. */
const STALE_AFTER_MS = 200;
/** A snapshot is kept at least this many times as long as it took to make. */
const WALK_SHARE = 10;
/** Records and stamps read at once: overlaps S3 round trips without a burst of hundreds. */
const READ_CONCURRENCY = 16;

/** How a version was vouched for, from the records of its .zip and .mod: the weakest of them. */
export type VersionStatus = ChecksumStatus | "unrecorded";
/** Weakest last: a version is only as vouched for as its least checked file. */
const STATUS_ORDER: VersionStatus[] = ["verified", "not-looked-up", "unverified", "unrecorded"];

/** One module version the store holds, as the catalog shows it. */
export interface CatalogVersion {
  module: string;
  version: string;
  files: VersionFileKind[];
  /** Bytes of its files, their records and its access stamp. */
  bytes: number;
  /** When its earliest file was stored (ms). */
  firstCached: number;
  /** When it was last served (ms), as far as access stamps were written; absent when never since tracking began. */
  lastAccess?: number;
  hits: number;
  status: VersionStatus;
  /** "module@version" lower-cased, what a search matches. */
  searchText: string;
}

export interface CatalogSnapshot {
  /** When it was complete. */
  takenAt: number;
  /** By module path, then newest version first. */
  versions: CatalogVersion[];
  /** By firstCached, oldest first: the order of the index feed. */
  byTime: CatalogVersion[];
  /** Time the walk and reads took. */
  ms: number;
}

export interface CatalogOptions {
  ttlMs?: number;
  staleAfterMs?: number;
  now?: () => number;
  log?: (msg: string) => void;
}

/**
 * What the store holds, for the catalog page and its JSON. Built from storage
 * (so every worker and replica sharing it shows the same), as a snapshot kept
 * for ttlMs. A new snapshot walks the store again but reads only the records
 * and stamps that changed since the last one (by the backend's version of
 * each object), so after the first a refresh costs a listing.
 */
export class Catalog {
  private snapshot: CatalogSnapshot | undefined;
  private building: Promise<CatalogSnapshot> | undefined;
  /** What was read of each record and stamp, with the object version it was read at. */
  private known = new Map<string, { version: string; value: unknown }>();
  private readonly artifacts: ArtifactStore;
  private readonly ttlMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly storage: Storage,
    o: CatalogOptions = {},
  ) {
    this.artifacts = new ArtifactStore(storage);
    this.ttlMs = o.ttlMs ?? CATALOG_TTL_MS;
    this.staleAfterMs = o.staleAfterMs ?? STALE_AFTER_MS;
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => {});
  }

  /** A snapshot at most ttlMs old (longer on a store slow to walk), or an older one while a new one takes longer than staleAfterMs. */
  async current(): Promise<CatalogSnapshot> {
    const stale = this.snapshot;
    // A walk that takes long is not repeated soon: the catalog spends at most a tenth of the time walking.
    if (stale && this.now() - stale.takenAt < Math.max(this.ttlMs, stale.ms * WALK_SHARE)) return stale;
    const fresh = this.refresh();
    if (!stale) return fresh;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<CatalogSnapshot>((resolve) => {
      timer = setTimeout(() => resolve(stale), this.staleAfterMs);
      timer.unref();
    });
    try {
      return await Promise.race([fresh.catch(() => stale), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One walk at a time, however many requests want a new snapshot. */
  private refresh(): Promise<CatalogSnapshot> {
    this.building ??= this.build()
      .then((s) => (this.snapshot = s))
      .catch((err: Error) => {
        this.log(`could not read the catalog from storage: ${err.message}`);
        throw err;
      })
      .finally(() => (this.building = undefined));
    return this.building;
  }

  private async build(): Promise<CatalogSnapshot> {
    const started = this.now();
    const walked = await walkVersions(this.storage);
    const known = new Map<string, { version: string; value: unknown }>();
    const versions: CatalogVersion[] = [];
    await eachConcurrently(walked, READ_CONCURRENCY, async (v) => {
      versions.push(await this.describe(v, known));
    });
    this.known = known;
    versions.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : compareVersions(b.version, a.version)));
    const byTime = [...versions].sort((a, b) => a.firstCached - b.firstCached || (a.searchText < b.searchText ? -1 : 1));
    // Aged from when it is complete: on a large store the walk alone may take longer than the TTL.
    const takenAt = this.now();
    return { takenAt, versions, byTime, ms: takenAt - started };
  }

  private async describe(v: VersionObjects, known: Map<string, { version: string; value: unknown }>): Promise<CatalogVersion> {
    const files = kindsOf(v);
    const firstCached = Math.min(...files.map((kind) => v.objects.get(`.${kind}`)!.modifiedMs));
    // The .info has no checksum of its own: it counts only for a version that has nothing else.
    const checked = files.filter((kind) => kind !== "info");
    const statuses = await Promise.all(
      (checked.length > 0 ? checked : files).map(async (kind): Promise<VersionStatus> => {
        const meta = v.objects.get(`.${kind}.meta`);
        if (!meta) return "unrecorded";
        const record = await this.read(meta, known, () => this.artifacts.record(`${v.base}.${kind}`));
        return record?.checksum ?? "unrecorded";
      }),
    );
    const stampEntry = v.objects.get(".access");
    const stamp = stampEntry && (await this.read<AccessRecord | undefined>(stampEntry, known, () => readAccessStamp(this.storage, stampEntry.key)));
    return {
      module: v.module,
      version: v.version,
      files,
      bytes: bytesOf(v),
      firstCached,
      lastAccess: stamp?.lastAccess,
      hits: stamp?.hits ?? 0,
      status: statuses.reduce((worst, s) => (STATUS_ORDER.indexOf(s) > STATUS_ORDER.indexOf(worst) ? s : worst), "verified"),
      searchText: `${v.module}@${v.version}`.toLowerCase(),
    };
  }

  /** The object's parsed content: from the last snapshot while its version is unchanged, else read now. */
  private async read<T>(entry: StoredEntry, known: Map<string, { version: string; value: unknown }>, load: () => Promise<T>): Promise<T> {
    const seen = entry.version === undefined ? undefined : this.known.get(entry.key);
    const value = seen && seen.version === entry.version ? (seen.value as T) : await load();
    if (entry.version !== undefined) known.set(entry.key, { version: entry.version, value });
    return value;
  }
}

/** The versions whose "module@version" holds q (any case); all of them for an empty q. */
export function search(versions: CatalogVersion[], q: string): CatalogVersion[] {
  const needle = q.trim().toLowerCase();
  return needle === "" ? versions : versions.filter((v) => v.searchText.includes(needle));
}

/** The versions first cached at or after `since` (ms), oldest first, at most `limit`. */
export function since(snapshot: CatalogSnapshot, sinceMs: number, limit: number): CatalogVersion[] {
  // The first at or after sinceMs, by bisection: the feed is polled with the last time seen.
  let lo = 0;
  let hi = snapshot.byTime.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (snapshot.byTime[mid].firstCached < sinceMs) lo = mid + 1;
    else hi = mid;
  }
  return snapshot.byTime.slice(lo, lo + limit);
}
