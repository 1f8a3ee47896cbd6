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
  /** Set once the backend has given up: the body's end is then its doing, not the body's failure. */
  private stopped = false;

  constructor(private readonly body: Readable) {}

  async *chunks(): AsyncGenerator<Buffer> {
    const it = this.body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await it.next();
      } catch (err) {
        if (!this.stopped) this.failed = true;
        throw err;
      }
      if (next.done) return;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
      this.bytes += chunk.length;
      yield chunk;
    }
  }

  /**
   * Frees the body when the backend fails while a read of it is pending. On
   * Node 24 (not 20) a stream made with Readable.from waits for that read
   * before it is destroyed, and pipeline waits for that: without this the
   * failure would only be reported when the body next sends something.
   */
  stop(): void {
    this.stopped = true;
    this.body.destroy();
  }
}
