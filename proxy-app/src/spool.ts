import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { UpstreamError } from "./upstream/upstream";

/**
 * A file being fetched, kept in a local file while it arrives and is checked.
 * The upstream fills it at its own pace; any number of clients read it as it
 * grows, each at theirs, so a slow client never slows the copy that gets
 * stored and one fetch serves every client that asked meanwhile. Readers get
 * every byte but the last until `release()`: a client can never complete a
 * download that then fails its checks.
 */
export class Spool {
  private written = 0;
  private ended = false;
  private released = false;
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private readers = 0;
  private settled = false;
  private closed = false;
  private readonly sha = createHash("sha256");
  private digest: string | undefined;

  private constructor(
    /** Where the bytes are, for checks that read the file itself. */
    readonly file: string,
    private readonly handle: fs.FileHandle,
    /** The length the upstream announced, if any. */
    readonly expectedSize: number | undefined,
  ) {}

  static async create(dir: string, expectedSize?: number): Promise<Spool> {
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${randomBytes(12).toString("hex")}.spool`);
    return new Spool(file, await fs.open(file, "wx+"), expectedSize);
  }

  /** Bytes received so far. */
  get size(): number {
    return this.written;
  }

  /** Hex SHA-256 of the whole content, once filled. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error("spool not filled yet");
    return this.digest;
  }

  /**
   * Copies `body` in, refusing more than `limit` bytes; `onLimit` makes the
   * error. A body shorter than the announced length is an error too.
   */
  async fill(body: Readable, limit: number, onLimit: (limit: number) => Error, onShort: (got: number, want?: number) => Error): Promise<void> {
    let limited: Error | undefined;
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        if (this.written + buf.length > limit) throw (limited = onLimit(limit));
        await this.handle.write(buf, 0, buf.length, this.written).catch((err: Error) => {
          throw new SpoolWriteError(err);
        });
        this.sha.update(buf);
        this.written += buf.length;
        this.wake();
      }
    } catch (err) {
      // The body broke off (a connection reset, a length not met): that is the upstream's failure, whatever error the stream gave.
      if (err instanceof SpoolWriteError) throw err.local;
      if (err instanceof UpstreamError || err === limited) throw err;
      throw onShort(this.written, this.expectedSize);
    } finally {
      body.destroy();
    }
    if (this.expectedSize !== undefined && this.written !== this.expectedSize) throw onShort(this.written, this.expectedSize);
    this.digest = this.sha.digest("hex");
    this.ended = true;
    this.wake();
  }

  /** The content passed its checks: readers may have the last byte. */
  release(): void {
    this.released = true;
    this.settle();
  }

  /** The fetch or a check failed: every reader's stream fails, so its client's download breaks off. */
  fail(err: Error): void {
    this.failure ??= err;
    this.settle();
  }

  /** A stream of the content for one client. Throws when the spool is gone (read from storage instead). */
  reader(): Readable {
    if (this.closed) throw new SpoolClosedError();
    if (this.failure) throw this.failure;
    this.readers++;
    let position = 0;
    let reading = false;
    const stream = new Readable({
      highWaterMark: READ_CHUNK,
      read: () => {
        if (reading) return;
        reading = true;
        void this.readAt(position).then(
          (chunk) => {
            reading = false;
            if (chunk === null) {
              stream.push(null);
            } else {
              position += chunk.length;
              stream.push(chunk);
            }
          },
          (err: Error) => {
            reading = false;
            stream.destroy(err);
          },
        );
      },
      destroy: (err, done) => {
        this.readers--;
        this.maybeClose();
        done(err);
      },
    });
    return stream;
  }

  /** The next bytes from `position`, waiting for them; null at the end. */
  private async readAt(position: number): Promise<Buffer | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const readable = this.released ? this.written : Math.max(0, this.written - 1);
      if (position < readable) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, readable - position));
        const { bytesRead } = await this.handle.read(buf, 0, buf.length, position);
        return buf.subarray(0, bytesRead);
      }
      if (this.released && this.ended) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private settle(): void {
    this.settled = true;
    this.wake();
    this.maybeClose();
  }

  /** The file goes once its outcome is known and no client reads it any more. */
  private maybeClose(): void {
    if (!this.settled || this.readers > 0 || this.closed) return;
    this.closed = true;
    void this.handle.close().finally(() => fs.rm(this.file, { force: true }));
  }
}

/**
 * Removes spool files a crashed process left behind. Only old ones: another
 * process sharing the directory may be filling a fresh one right now.
 */
export async function sweepSpool(dir: string, olderThanMs = STALE_SPOOL_MS): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - olderThanMs;
  for (const name of names.filter((n) => n.endsWith(".spool"))) {
    const file = path.join(dir, name);
    const st = await fs.stat(file).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await fs.rm(file, { force: true });
  }
}

/** A spool file untouched this long belongs to no live fetch: the fetch deadline is far shorter by default. */
const STALE_SPOOL_MS = 60 * 60_000;

/** Where files are spooled when MODPROXY_SPOOL_DIR is not set. */
export function defaultSpoolDir(): string {
  return path.join(os.tmpdir(), "modproxy-spool");
}

/** Large reads: a 100 MB zip in few hand-offs between the thread pool and the event loop. */
const READ_CHUNK = 1024 * 1024;

/** Writing the spool file failed (a local disk problem, not the upstream's). */
class SpoolWriteError extends Error {
  constructor(readonly local: Error) {
    super(local.message);
  }
}

/** The spool was already cleaned up: its content is in storage (or failed) by now. */
export class SpoolClosedError extends Error {
  constructor() {
    super("spool already closed");
  }
}
