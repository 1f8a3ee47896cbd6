import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSafeKey, InvalidKeyError, ObjectInfo, Storage, StoredObject, WriteResult } from "./storage";

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

/**
 * Files larger than this are read in LARGE_READ chunks instead of 64 KiB: a
 * quarter of the thread-pool round trips and event-loop hand-offs per byte,
 * while 50 clients of a large zip still hold only a few MiB of buffers.
 */
const LARGE_FILE = 1024 * 1024;
const LARGE_READ = 256 * 1024;

/** Stores objects as files under one directory, which several processes may share. */
export class DiskStorage implements Storage {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Creates the directory tree and removes temp files old enough to be a crashed write's (see TEMP_MAX_AGE_MS). */
  async init(): Promise<this> {
    const tempDir = path.join(this.root, TEMP_DIR);
    await fs.mkdir(tempDir, { recursive: true });
    const cutoff = Date.now() - TEMP_MAX_AGE_MS;
    for (const name of await fs.readdir(tempDir)) {
      const file = path.join(tempDir, name);
      // Another process may publish or sweep the file meanwhile.
      const st = await fs.stat(file).catch(ignoreMissing);
      if (st && st.mtimeMs < cutoff) await fs.rm(file, { recursive: true, force: true });
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
    try {
      const st = await fs.stat(this.resolve(key));
      return st.isFile() ? infoOf(st) : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async read(key: string): Promise<StoredObject | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.resolve(key), "r");
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
      throw err;
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      return undefined;
    }
    // Stream from the handle already open: a concurrent overwrite or delete cannot mix two files.
    return {
      ...infoOf(st),
      body: handle.createReadStream({ highWaterMark: st.size > LARGE_FILE ? LARGE_READ : undefined }),
      version: `${st.dev}:${st.ino}:${st.mtimeMs}`,
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
    try {
      // Synced before publishing: after a crash, a published file must not turn out empty or torn.
      const out = createWriteStream(temp, { flags: "wx", flush: true });
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, out);
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
    } finally {
      // After a rename there is nothing left to remove; a temp that cannot be removed is swept by a later init.
      await fs.rm(temp, { force: true }).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.unlink(this.resolve(key));
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = prefix === "" ? this.root : this.resolve(prefix, { prefix: true });
    try {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  async checkReady(): Promise<void> {
    await fs.access(path.join(this.root, TEMP_DIR), fs.constants.W_OK);
  }
}

function infoOf(st: { size: number }): ObjectInfo {
  return { size: st.size };
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
