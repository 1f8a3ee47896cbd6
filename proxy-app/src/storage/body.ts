import type { Readable } from "node:stream";

/**
 * Reads a body for a backend and tells the body's own failure apart from the
 * backend's: pipeline and Upload destroy their source with their own error,
 * which a for-await loop over the body would catch as if the body had thrown.
 */
export class BodyReader {
  /** Bytes read so far. */
  bytes = 0;
  /** Whether the body itself errored; its error is then the one to reject with. */
  failed = false;

  constructor(private readonly body: Readable) {}

  async *chunks(): AsyncGenerator<Buffer> {
    const it = this.body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await it.next();
      } catch (err) {
        this.failed = true;
        throw err;
      }
      if (next.done) return;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
      this.bytes += chunk.length;
      yield chunk;
    }
  }
}
