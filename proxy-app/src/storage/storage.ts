import type { Readable } from "node:stream";

export interface ObjectInfo {
  size: number;
}

export interface StoredObject extends ObjectInfo {
  body: Readable;
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
   * Stores the body under key. Readers see either the previous state or the
   * whole new object, never a part; if the body errors nothing is stored.
   */
  write(key: string, body: Readable | Buffer): Promise<ObjectInfo>;
  /** Names (not full keys) of the objects directly under a "/"-terminated prefix. */
  list(prefix: string): Promise<string[]>;
  /** Throws when the backend cannot serve requests (for readiness probes). */
  checkReady(): Promise<void>;
}

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
