import { readAll } from "./artifact";
import { SingleFlight } from "./single-flight";
import { Storage } from "./storage/storage";
import { NotFoundError } from "./upstream/upstream";

/** Answers that move (list, @latest, the checksum database's tree head) are small. */
const MAX_ANSWER = 16 * 1024 * 1024;

/**
 * How long a request waits for a stale answer's revalidation before it is
 * given the stale answer: a working upstream answers well within it, a dead
 * one costs the client no more than this.
 */
export const STALE_GRACE_MS = 1_000;

/** Where a 404/410 answer for `key` is kept, beside the answer it stands for. */
function notFoundKey(key: string): string {
  return `${key}.404`;
}

/** Fresh answers kept in memory; older ones are read from storage again. */
const MEMORY_ENTRIES = 10_000;

export type AnswerState = "fresh" | "hit" | "stale";

export interface AnswerCacheOptions {
  storage: Storage;
  /** How long an answer is fresh (MODPROXY_LIST_TTL). */
  ttlMs: number;
  /** How long a 404/410 is remembered (MODPROXY_NOT_FOUND_TTL). */
  notFoundTtlMs: number;
  /** How long a request waits for revalidation before taking the stale answer. */
  graceMs?: number;
  now?: () => number;
  log?: (msg: string) => void;
}

/**
 * Answers that change over time, kept in storage: fresh for a TTL, then
 * served stale while being revalidated and whenever the upstream fails.
 * 404/410 answers are remembered briefly. One revalidation per key at a time.
 */
export class AnswerCache {
  private readonly fresh = new Map<string, { body: Buffer; at: number }>();
  private readonly notFound = new Map<string, { err: NotFoundError; until: number }>();
  private readonly flights = new SingleFlight<Buffer>();
  private readonly now: () => number;

  constructor(private readonly o: AnswerCacheOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * The answer for `key`: fresh from memory, else from `fetch` (stored on
   * success). When `fetch` is slow or fails, the stored answer or `fallback`
   * (derived from what storage holds) is served as stale.
   */
  async get(
    key: string,
    fetch: () => Promise<Buffer>,
    fallback: () => Promise<Buffer | undefined> = async () => undefined,
  ): Promise<{ body: Buffer; state: AnswerState }> {
    const now = this.now();
    const remembered = this.fresh.get(key);
    if (remembered && now - remembered.at < this.o.ttlMs) return { body: remembered.body, state: "hit" };
    const missing = this.notFound.get(key);
    if (missing && now < missing.until) throw missing.err;

    const revalidation = this.flights.run(key, async () => {
      try {
        const body = await fetch();
        this.remember(key, body);
        await this.o.storage.write(key, body, { overwrite: true }).catch((err: Error) => this.o.log?.(`not cached ${key}: ${err.message}`));
        await this.o.storage.delete(notFoundKey(key)).catch(() => {});
        return body;
      } catch (err) {
        if (err instanceof NotFoundError) {
          this.notFound.set(key, { err, until: this.now() + this.o.notFoundTtlMs });
          await this.o.storage
            .write(notFoundKey(key), Buffer.from(JSON.stringify({ status: err.status, message: err.message })), { overwrite: true })
            .catch(() => {});
        }
        throw err;
      }
    });
    const stale = remembered?.body ?? (await this.stored(key)) ?? (await fallback());
    // A 404 remembered from before also answers while the upstream cannot: the go command's probes of parent paths need no more.
    const staleMissing = stale === undefined ? await this.storedNotFound(key) : undefined;
    if (stale === undefined && staleMissing === undefined) return { body: await revalidation, state: "fresh" };
    revalidation.catch((err: Error) => this.o.log?.(`serving stale ${key}: ${err.message}`));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.o.graceMs ?? STALE_GRACE_MS);
    });
    let body: Buffer | undefined;
    try {
      body = await Promise.race([revalidation, grace]);
    } catch (err) {
      // Gone upstream (404/410) is an answer, not an outage: the caller decides what the stale copy is worth.
      if (err instanceof NotFoundError) throw err;
    } finally {
      clearTimeout(timer);
    }
    if (body !== undefined) return { body, state: "fresh" };
    if (stale === undefined) throw staleMissing;
    return { body: stale, state: "stale" };
  }

  /** A 404/410 stored for `key`, whatever its age. */
  private async storedNotFound(key: string): Promise<NotFoundError | undefined> {
    const body = await this.stored(notFoundKey(key));
    if (!body) return undefined;
    try {
      const { status, message } = JSON.parse(body.toString("utf8")) as { status: 404 | 410; message: string };
      return new NotFoundError(message, status === 410 ? 410 : 404);
    } catch {
      return undefined;
    }
  }

  /** The last stored answer, whatever its age. */
  async stored(key: string): Promise<Buffer | undefined> {
    const obj = await this.o.storage.read(key).catch(() => undefined);
    return obj && readAll(obj.body, MAX_ANSWER, `stored ${key}`);
  }

  private remember(key: string, body: Buffer): void {
    this.fresh.delete(key);
    this.fresh.set(key, { body, at: this.now() });
    this.notFound.delete(key);
    if (this.fresh.size > MEMORY_ENTRIES) this.fresh.delete(this.fresh.keys().next().value as string);
  }
}
