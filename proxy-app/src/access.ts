import type { VersionFileRequest } from "./protocol";
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

/** The stored form of a version's last access. */
export interface AccessStamp {
  lastAccess: string;
}

export function accessStamp(ms: number): Buffer {
  return Buffer.from(JSON.stringify({ lastAccess: new Date(ms).toISOString() } satisfies AccessStamp) + "\n");
}

/** The time in a stored stamp, or undefined for one that is not a stamp. */
export function parseAccessStamp(body: Buffer): number | undefined {
  try {
    const ms = Date.parse((JSON.parse(body.toString("utf8")) as AccessStamp).lastAccess);
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined;
  }
}

export interface AccessRecorderOptions {
  flushEveryMs?: number;
  resolutionMs?: number;
  log?: (msg: string) => void;
  now?: () => number;
}

/**
 * When each version was last served, for `modproxy gc`. A request only sets
 * a map entry; the entries are written as one small stamp object per version
 * at most every flushEveryMs (and on close), so a hot version costs one write
 * a minute however often it is served, and once an hour at most once its
 * stamp is written (resolutionMs). Replicas each write their own latest
 * time: a stamp may step back by at most one period, which retention measured
 * in days does not notice.
 */
export class AccessRecorder {
  private pending = new Map<string, number>();
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
    if (now - (this.written.get(key) ?? -Infinity) < this.resolutionMs) return;
    this.pending.set(key, now);
    this.schedule();
  }

  /** Writes what was recorded since the last flush; stamps that fail to write are kept for the next one. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  close(): Promise<void> {
    return this.flush();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.pending.size === 0) return;
    this.timer = setTimeout(() => void this.flush(), this.flushEveryMs);
    // Pending stamps must not keep a finished process alive; close() writes them.
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    let failed = 0;
    let reason = "";
    await eachConcurrently(batch, FLUSH_CONCURRENCY, async ([key, at]) => {
      try {
        await this.storage.write(key, accessStamp(at), { overwrite: true });
        this.written.set(key, at);
      } catch (err) {
        failed++;
        reason = (err as Error).message;
        // A newer access recorded meanwhile wins.
        if (!this.pending.has(key)) this.pending.set(key, at);
      }
    });
    if (failed > 0) this.log(`could not record the last access of ${failed} versions, retrying later: ${reason}`);
    this.schedule();
  }
}
