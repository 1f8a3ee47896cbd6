import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSafeKey, InvalidKeyError, ObjectInfo, Storage, StoredObject } from "./storage";

/** Where partial writes live until they are complete; inside the root so rename stays on one file system. */
const TEMP_DIR = ".tmp";

/** Stores objects as files under one directory. */
export class DiskStorage implements Storage {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Creates the directory tree and clears leftovers of writes a crash interrupted. */
  async init(): Promise<this> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.rm(path.join(this.root, TEMP_DIR), { recursive: true, force: true });
    await fs.mkdir(path.join(this.root, TEMP_DIR));
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
    // Stream from the handle already open: a concurrent republish cannot mix two files.
    return { ...infoOf(st), body: handle.createReadStream() };
  }

  async write(key: string, body: Readable | Buffer): Promise<ObjectInfo> {
    const target = this.resolve(key);
    const temp = path.join(this.root, TEMP_DIR, `${randomBytes(12).toString("hex")}.part`);
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(temp, { flags: "wx" }));
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    return infoOf(await fs.stat(target));
  }

  async list(prefix: string): Promise<string[]> {
    const dir = prefix === "" ? this.root : this.resolve(prefix, { prefix: true });
    try {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
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

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}
