import type { Readable } from "node:stream";
import { Storage } from "./storage/storage";
import { UpstreamError } from "./upstream/upstream";

/** What the HTTP layer sends back for a request. */
export interface Artifact {
  body: Readable | Buffer;
  size?: number;
  /** Content that never changes (a canonical version's files, a checksum record): cache it for long. */
  immutable: boolean;
}

/** An upstream answered with something that is not what the protocol says. */
export class BadUpstreamContentError extends UpstreamError {}

/** Reads a whole body into memory, refusing more than `limit` bytes; a broken-off body is an upstream failure. */
export async function readAll(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new BadUpstreamContentError(`${what} is larger than ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    stream.destroy();
    throw err instanceof UpstreamError ? err : new UpstreamError(`${what} broke off: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

/**
 * Serves an immutable object from storage, or fetches it (the fetcher checks
 * what it got), stores it and serves it. `hit` says which happened.
 */
export async function readThrough(storage: Storage, key: string, fetch: () => Promise<Buffer>): Promise<{ artifact: Artifact; hit: boolean }> {
  const stored = await storage.read(key);
  if (stored) return { artifact: { ...stored, immutable: true }, hit: true };
  const body = await fetch();
  await storage.write(key, body);
  return { artifact: { body, size: body.length, immutable: true }, hit: false };
}
