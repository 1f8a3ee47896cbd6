import type { VersionFileRequest } from "./protocol";
import { readAll } from "./artifact";
import { eachConcurrently } from "./single-flight";
import type { Storage } from "./storage/storage";

/** How long last-access times gather in memory before they are written: bounds storage writes to one per version served per period. */
export const ACCESS_FLUSH_MS = 60_000;
/**
 * A version's stamp is rewritten at most this often: retention is measured in days, and on a versioned bucket
 * each rewrite leaves a noncurrent copy until the lifecycle rule expires it.
 */
export const ACCESS_RESOLUTION_MS = 3_600_000;
/** Stamps written at once: overlaps S3 round trips without a burst of hundreds. */
const FLUSH_CONCURRENCY = 8;

/** Where a version's last access is kept: beside its files, so removing the version's files by prefix takes it too. */
export function accessKey(encodedModule: string, encodedVersion: string): string {
  return `${encodedModule}/@v/${encodedVersion}.access`;
}

/** The stored form of a version's last access and how often it was served. */
export interface AccessStamp {
  lastAccess: string;
  /** Requests for its files counted so far (absent in stamps written before counting began). */
  hits?: number;
}

/** A stamp as read: the time in ms. */
export interface AccessRecord {
  lastAccess: number;
  hits: number;
}

export function accessStamp(ms: number, hits = 0): Buffer {
  return Buffer.from(JSON.stringify({ lastAccess: new Date(ms).toISOString(), hits } satisfies AccessStamp) + "\n");
}

/** What a stored stamp says, or undefined for one that is not a stamp. */
export function parseAccessStamp(body: Buffer): AccessRecord | undefined {
  try {
    const stamp = JSON.parse(body.toString("utf8")) as AccessStamp;
    const ms = Date.parse(stamp.lastAccess);
    if (Number.isNaN(ms)) return undefined;
    return { lastAccess: ms, hits: Number.isSafeInteger(stamp.hits) && stamp.hits! > 0 ? stamp.hits! : 0 };
  } catch {
    return undefined;
  }
}

/** The stamp stored under key, if any and readable. */
export async function readAccessStamp(storage: Storage, key: string): Promise<AccessRecord | undefined> {
  const obj = await storage.read(key);
  return obj && parseAccessStamp(await readAll(obj.body, 4096, key));
}

export interface AccessRecorderOptions {
  flushEveryMs?: number;
  resolutionMs?: number;
  log?: (msg: string) => void;
  now?: () => number;
}

/** What this process saw of a version since it last wrote the version's stamp. */
interface Unwritten {
  at: number;
  hits: number;
}

/**
 * When each version was last served and how often, for `modproxy gc` and the
 * catalog. A request only updates a map entry; the entries are written as one
 * small stamp object per version at most every flushEveryMs (and on close),
 * so a hot version costs one read and one write a minute however often it is
 * served, and once an hour at most once its stamp is written (resolutionMs);
 * the hits counted meanwhile go with that write, or at close. The write adds
 * this process's hits to the stored count: processes and replicas flushing
 * the same version in the same instant may lose one's count, which a count
 * for people to read can bear. Each keeps the later of its own and the stored
 * time, so a stamp never steps back.
 */
export class AccessRecorder {
  private readonly unwritten = new Map<string, Unwritten>();
  /** Versions whose stamp the next flush writes: their stamp is older than resolutionMs, or never written here. */
  private due = new Set<string>();
  /** When each version's stamp was last written by this process: one entry per version served, a few dozen bytes each. */
  private readonly written = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushEveryMs: number;
  private readonly resolutionMs: number;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;

  constructor(
    private readonly storage: Storage,
    o: AccessRecorderOptions = {},
  ) {
    this.flushEveryMs = o.flushEveryMs ?? ACCESS_FLUSH_MS;
    this.resolutionMs = o.resolutionMs ?? ACCESS_RESOLUTION_MS;
    this.log = o.log ?? (() => {});
    this.now = o.now ?? Date.now;
  }

  /** Notes that a version file was served; cheap, never throws. */
  record(req: VersionFileRequest): void {
    this.stamp(accessKey(req.encodedModule, req.encodedVersion));
  }

  /** The same for a file answered by its storage key (from the memory tier); keys of other files are ignored. */
  recordFile(storageKey: string): void {
    const m = /^(.+)\/@v\/([^/]+)\.(info|mod|zip)$/.exec(storageKey);
    if (m) this.stamp(accessKey(m[1], m[2]));
  }

  private stamp(key: string): void {
    const now = this.now();
    const u = this.unwritten.get(key);
    if (u) {
      u.at = now;
      u.hits++;
    } else this.unwritten.set(key, { at: now, hits: 1 });
    if (now - (this.written.get(key) ?? -Infinity) < this.resolutionMs) return;
    this.due.add(key);
    this.schedule();
  }

  /** Writes the stamps due; those that fail to write are kept for the next flush. */
  flush(): Promise<void> {
    return this.enqueue(false);
  }

  /** Writes every version's stamp that has hits or a time not yet stored. */
  close(): Promise<void> {
    return this.enqueue(true);
  }

  private enqueue(all: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.write(all));
    return this.flushing;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.due.size === 0) return;
    this.timer = setTimeout(() => void this.flush(), this.flushEveryMs);
    // Pending stamps must not keep a finished process alive; close() writes them.
    this.timer.unref();
  }

  private async write(all: boolean): Promise<void> {
    const batch = all ? new Set(this.unwritten.keys()) : this.due;
    this.due = new Set();
    let failed = 0;
    let reason = "";
    await eachConcurrently(batch, FLUSH_CONCURRENCY, async (key) => {
      const u = this.unwritten.get(key);
      if (!u) return;
      // Taken out while it is written: accesses meanwhile start a new entry.
      this.unwritten.delete(key);
      try {
        const stored = await readAccessStamp(this.storage, key);
        const stamp = accessStamp(Math.max(u.at, stored?.lastAccess ?? 0), (stored?.hits ?? 0) + u.hits);
        await this.storage.write(key, stamp, { overwrite: true });
        this.written.set(key, u.at);
      } catch (err) {
        failed++;
        reason = (err as Error).message;
        const later = this.unwritten.get(key);
        this.unwritten.set(key, { at: Math.max(u.at, later?.at ?? 0), hits: u.hits + (later?.hits ?? 0) });
        this.due.add(key);
      }
    });
    if (failed > 0) this.log(`could not record the last access of ${failed} versions, retrying later: ${reason}`);
    this.schedule();
  }
}
