import { Readable } from "node:stream";
import { assertSafeKey, ObjectInfo, Storage, StoredEntry, StoredObject, WriteResult } from "./storage";

interface MemoryObject {
  bytes: Buffer;
  modifiedMs: number;
  /** Counts writes, so each write of a key reads as a new version. */
  version: string;
}

/**
 * Keeps objects in a Map: for service tests that need a Storage without a
 * disk or S3. Unbounded, so not offered as a production backend.
 */
export class MemoryStorage implements Storage {
  private readonly objects = new Map<string, MemoryObject>();
  private writes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertSafeKey(key);
    const obj = this.objects.get(key);
    return obj && { size: obj.bytes.length };
  }

  async read(key: string): Promise<StoredObject | undefined> {
    assertSafeKey(key);
    const obj = this.objects.get(key);
    return obj && { size: obj.bytes.length, body: Readable.from([obj.bytes], { objectMode: false }), version: obj.version };
  }

  async write(key: string, body: Readable | Buffer, opts: { overwrite?: boolean } = {}): Promise<WriteResult> {
    assertSafeKey(key);
    // A copy: the caller may reuse its buffer. Collected whole first, so a failing body stores nothing.
    const bytes = Buffer.isBuffer(body) ? Buffer.from(body) : await collect(body);
    const existing = this.objects.get(key);
    if (existing && !opts.overwrite) return { created: false, size: existing.bytes.length };
    this.objects.set(key, { bytes, modifiedMs: this.now(), version: String(++this.writes) });
    return { created: true, size: bytes.length };
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    assertSafeKey(prefix, { prefix: true });
    const names: string[] = [];
    for (const key of this.objects.keys()) {
      if (!key.startsWith(prefix)) continue;
      const name = key.slice(prefix.length);
      if (!name.includes("/")) names.push(name);
    }
    return names;
  }

  async *entries(prefix: string): AsyncIterable<StoredEntry> {
    assertSafeKey(prefix, { prefix: true });
    // A snapshot: the caller may write or delete while it iterates.
    for (const [key, obj] of [...this.objects]) {
      if (key.startsWith(prefix)) yield { key, size: obj.bytes.length, modifiedMs: obj.modifiedMs, version: obj.version };
    }
  }

  async checkReady(): Promise<void> {}
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
