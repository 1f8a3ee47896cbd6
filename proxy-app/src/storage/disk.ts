import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BodyReader } from "./body";
import { assertSafeKey, InvalidKeyError, ObjectInfo, Storage, StorageUnavailableError, StoredEntry, StoredObject, WriteResult } from "./storage";

/** Where partial writes live until they are complete; inside the root so link and rename stay on one file system. */
const TEMP_DIR = ".tmp";
/**
 * Temp files are shared by every process using the directory, so init cannot
 * tell a crashed writer's leftovers from a live writer's part by name. It goes
 * by age instead: a live write touches its file at every chunk, and upstream
 * reads give up after far shorter silences (30 s by default) than this.
 * Should a write still stall this long, its part is removed under it and
 * publishing it fails: nothing is stored, nothing half-written is served.
 */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
/** Enough for a few module zips; below it the proxy could serve but hardly cache. */
const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;
/** One block: a probe that writes nothing could succeed on a full disk. */
const PROBE_BYTES = 4096;

/** Errors that say the disk cannot be used now rather than that an object is absent or a key is bad. */
const UNAVAILABLE_CODES: Record<string, string> = {
  ENOSPC: "disk full",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "I/O error",
};

export interface DiskStorageOptions {
  /** checkReady fails when less than this is free on the file system. */
  minFreeBytes?: number;
}

/**
 * Files larger than this are read in LARGE_READ chunks instead of 64 KiB: a
 * quarter of the thread-pool round trips and event-loop hand-offs per byte,
 * while 50 clients of a large zip still hold only a few MiB of buffers.
 */
const LARGE_FILE = 1024 * 1024;
/** Files up to this size are read whole when opened, not streamed. */
const SMALL_FILE = 64 * 1024;
const LARGE_READ = 256 * 1024;

/** Stores objects as files under one directory, which several processes may share. */
export class DiskStorage implements Storage {
  readonly root: string;
  private readonly minFreeBytes: number;

  constructor(root: string, { minFreeBytes = DEFAULT_MIN_FREE_BYTES }: DiskStorageOptions = {}) {
    this.root = path.resolve(root);
    this.minFreeBytes = minFreeBytes;
  }

  /** Creates the directory tree and removes temp files old enough to be a crashed write's (see TEMP_MAX_AGE_MS). */
  async init(): Promise<this> {
    const tempDir = path.join(this.root, TEMP_DIR);
    try {
      await fs.mkdir(tempDir, { recursive: true });
      const cutoff = Date.now() - TEMP_MAX_AGE_MS;
      for (const name of await fs.readdir(tempDir)) {
        const file = path.join(tempDir, name);
        // Another process may publish or sweep the file meanwhile.
        const st = await fs.stat(file).catch(ignoreMissing);
        if (st && st.mtimeMs < cutoff) await fs.rm(file, { recursive: true, force: true });
      }
    } catch (err) {
      throw diskFailure(this.root, err);
    }
    return this;
  }

  private resolve(key: string, opts?: { prefix?: boolean }): string {
    assertSafeKey(key, opts);
    const full = path.resolve(this.root, key);
    const rel = path.relative(this.root, full);
    if (rel.startsWith("..") || path.isAbsolute(rel) || rel.split(path.sep)[0] === TEMP_DIR) {
      throw new InvalidKeyError(`storage key "${key}" is outside the storage directory`);
    }
    return full;
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const file = this.resolve(key);
    try {
      const st = await fs.stat(file);
      return st.isFile() ? infoOf(st) : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw diskFailure(this.root, err);
    }
  }

  async read(key: string): Promise<StoredObject | undefined> {
    const file = this.resolve(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r");
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
      throw diskFailure(this.root, err);
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      return undefined;
    }
    if (st.size <= SMALL_FILE) {
      // Records, stamps, .info and .mod files: one read costs a fraction of a stream's set-up (walks of the store read thousands).
      try {
        const bytes = await handle.readFile();
        return { size: bytes.length, body: Readable.from([bytes], { objectMode: false }), version: versionOf(st) };
      } catch (err) {
        throw diskFailure(this.root, err);
      } finally {
        await handle.close();
      }
    }
    // Stream from the handle already open: a concurrent overwrite or delete cannot mix two files.
    return {
      ...infoOf(st),
      body: handle.createReadStream({ highWaterMark: st.size > LARGE_FILE ? LARGE_READ : undefined }),
      version: versionOf(st),
    };
  }

  /**
   * Writes a temp file, then publishes it with link, which fails on an
   * existing target (first writer wins without a lock), or with rename,
   * which replaces it (overwrite). Either makes the whole file appear at once.
   */
  async write(key: string, body: Readable | Buffer, opts: { overwrite?: boolean } = {}): Promise<WriteResult> {
    const target = this.resolve(key);
    const temp = path.join(this.root, TEMP_DIR, `${randomBytes(12).toString("hex")}.part`);
    const reader = Buffer.isBuffer(body) ? undefined : new BodyReader(body);
    try {
      // Synced before publishing: after a crash, a published file must not turn out empty or torn.
      const out = createWriteStream(temp, { flags: "wx", flush: true });
      out.once("error", () => reader?.stop());
      await pipeline(reader ? Readable.from(reader.chunks()) : Readable.from([body]), out);
      const size = out.bytesWritten;
      await fs.mkdir(path.dirname(target), { recursive: true });
      if (opts.overwrite) {
        await fs.rename(temp, target);
        return { created: true, size };
      }
      try {
        await fs.link(temp, target);
        return { created: true, size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      // Deleted since link failed: the write lost to an object that was then purged; our size is the best answer left.
      return { created: false, size: (await this.stat(key))?.size ?? size };
    } catch (err) {
      if (reader?.failed) throw err;
      // A failed file stops the body unread: free the caller's stream, which may feed a client too.
      if (!Buffer.isBuffer(body)) body.destroy();
      throw diskFailure(this.root, err);
    } finally {
      // After a rename there is nothing left to remove; a temp that cannot be removed is swept by a later init.
      await fs.rm(temp, { force: true }).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.resolve(key);
    try {
      await fs.unlink(file);
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return;
      throw diskFailure(this.root, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = prefix === "" ? this.root : this.resolve(prefix, { prefix: true });
    try {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (err) {
      if (isMissing(err)) return [];
      throw diskFailure(this.root, err);
    }
  }

  async *entries(prefix: string): AsyncIterable<StoredEntry> {
    const dir = prefix === "" ? this.root : this.resolve(prefix, { prefix: true });
    yield* filesUnder(dir, prefix);
  }

  /** Writes, syncs and removes a probe file, so a read-only, full or failing disk shows, then checks free space. */
  async checkReady(): Promise<void> {
    const probe = path.join(this.root, TEMP_DIR, `${randomBytes(12).toString("hex")}.probe`);
    try {
      await fs.writeFile(probe, Buffer.alloc(PROBE_BYTES), { flag: "wx", flush: true });
      await fs.unlink(probe);
      const st = await fs.statfs(this.root);
      const free = st.bavail * st.bsize;
      if (free < this.minFreeBytes) {
        throw new StorageUnavailableError(`storage directory ${this.root}: only ${mebibytes(free)} free, below ${mebibytes(this.minFreeBytes)}`);
      }
    } catch (err) {
      await fs.rm(probe, { force: true }).catch(() => undefined);
      throw diskFailure(this.root, err);
    }
  }
}

/** StorageUnavailableError for errors that mean the disk is unusable now (full, read-only, refused, failing); others unchanged. */
export function diskFailure(root: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === undefined ? undefined : UNAVAILABLE_CODES[code];
  return reason === undefined ? err : new StorageUnavailableError(`storage directory ${root}: ${code} (${reason})`);
}

/**
 * The files under dir, depth first; dot directories at the root (temp area, spool) hold parts, not objects: no
 * module path starts with a dot. A directory's files are stat'ed at once: a @v directory may hold thousands.
 */
async function* filesUnder(dir: string, keyPrefix: string): AsyncGenerator<StoredEntry> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  const files = await Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e): Promise<StoredEntry | undefined> => {
        // Removed since the directory was read: no longer an object.
        const st = await fs.stat(path.join(dir, e.name)).catch(ignoreMissing);
        return st && { key: keyPrefix + e.name, ...infoOf(st), modifiedMs: st.mtimeMs, version: versionOf(st) };
      }),
  );
  for (const file of files) if (file) yield file;
  for (const entry of entries) {
    if (entry.isDirectory() && !(keyPrefix === "" && entry.name.startsWith("."))) yield* filesUnder(path.join(dir, entry.name), `${keyPrefix}${entry.name}/`);
  }
}

function infoOf(st: { size: number }): ObjectInfo {
  return { size: st.size };
}

/** What tells one write of a file from the next: a rename brings a new inode, a rewrite a new time. */
function versionOf(st: { dev: number; ino: number; mtimeMs: number }): string {
  return `${st.dev}:${st.ino}:${st.mtimeMs}`;
}

/** ENOTDIR too: a key below what is a file is no object either. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function ignoreMissing(err: unknown): undefined {
  if (isMissing(err)) return undefined;
  throw err;
}

function mebibytes(bytes: number): string {
  return `${Math.floor(bytes / (1024 * 1024))} MiB`;
}
