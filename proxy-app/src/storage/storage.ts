import type { Readable } from "node:stream";

export interface ObjectInfo {
  size: number;
}

export interface StoredObject extends ObjectInfo {
  body: Readable;
  /**
   * What identifies these bytes in the backend, changing whenever the object
   * is written again (disk: inode and modification time; S3: the ETag);
   * absent where the backend has nothing such.
   */
  version?: string;
}

/** An object as a walk of the store finds it: enough to size and date it without reading it. */
export interface StoredEntry extends ObjectInfo {
  key: string;
  /** When the object was last written (ms since the epoch). */
  modifiedMs: number;
  /** As StoredObject.version: changes whenever the object is written again; absent where the backend has nothing such. */
  version?: string;
}

export interface WriteResult extends ObjectInfo {
  /** false when an object was already there and was kept (first writer wins) */
  created: boolean;
}

/**
 * Where cached module files live. Keys are "/"-separated relative paths made
 * of case-encoded module paths and versions, e.g. "example.com/!foo/@v/v1.0.0.zip";
 * callers validate them, backends still refuse any key that could escape.
 * Every backend passes the suite in test/storage/conformance.ts.
 */
export interface Storage {
  /** The object's size, or undefined when absent; cheaper than read where only presence matters. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** A stream of the object, or undefined when absent. */
  read(key: string): Promise<StoredObject | undefined>;
  /**
   * Publishes body under key atomically (readers never see a part). Default: first writer wins — if
   * an object exists already, the body is consumed/discarded (or the upload aborted), the existing
   * object is kept and `created` is false. With { overwrite: true } the object is replaced (for the
   * few mutable objects: cached list answers, the checksum database's latest tree head).
   * If the body errors, nothing is stored and the promise rejects with the body's error.
   * `size` is that of the object now under key: the existing one's when `created` is false.
   */
  write(key: string, body: Readable | Buffer, opts?: { overwrite?: boolean }): Promise<WriteResult>;
  /** Removes the object; absent is not an error (purging bad content, retention). */
  delete(key: string): Promise<void>;
  /** Names (not full keys) of the objects directly under a "/"-terminated prefix. */
  list(prefix: string): Promise<string[]>;
  /**
   * Every object under a "/"-terminated prefix, at any depth ("" for the whole store), with its full key, size and
   * time written, in no particular order; for audits, retention and the catalog, which walk the store. Objects
   * written or deleted meanwhile may or may not appear.
   */
  entries(prefix: string): AsyncIterable<StoredEntry>;
  /** Throws when the backend cannot serve requests (for readiness probes). */
  checkReady(): Promise<void>;
}

/** The backend cannot store or read now (disk full, read-only, permission, S3 unreachable or refusing): the proxy answers 503 with Retry-After. Carries a short reason, never credentials. */
export class StorageUnavailableError extends Error {}

export class InvalidKeyError extends Error {}

/** Rejects keys that are empty, absolute, or contain empty, "." or ".." segments. */
export function assertSafeKey(key: string, { prefix = false } = {}): void {
  const body = prefix ? key.replace(/\/$/, "") : key;
  if (prefix && key === "") return;
  const bad =
    body === "" ||
    key.includes("\\") ||
    key.includes("\0") ||
    body.split("/").some((seg) => seg === "" || seg === "." || seg === "..") ||
    (prefix && !key.endsWith("/"));
  if (bad) throw new InvalidKeyError(`invalid storage key "${key}"`);
}
