import type { ArtifactRecord } from "./artifact";
import { decodeCase } from "./module-path";
import type { VersionFileKind, VersionFileRequest } from "./protocol";

/** Cache-Control of content that never changes: a canonical version's files, a checksum-database tile. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

/**
 * A file held in memory with its response prepared: served without touching
 * storage, hashing, or building headers again.
 */
export interface HotFile {
  body: Buffer;
  etag?: string;
  /** The stored file's record, for callers that need how it was checked. */
  record?: ArtifactRecord;
  /** The metrics label of what it is ("info", "mod", "zip", "sumdb-tile"). */
  kind: string;
  /** Content-Type, Content-Length, Cache-Control and ETag, as `writeHead` takes them. */
  headers: string[];
  /** The version file it is, decoded once for the audit log. */
  of?: Pick<VersionFileRequest, "module" | "version" | "kind">;
}

/** Per-file ceiling as a share of the budget, so a few large files cannot flush the many small ones. */
const MAX_SHARE = 16;
/** Larger files stream from storage: holding them would cost more memory than their reads cost time. */
const MAX_FILE = 1024 * 1024;

/**
 * The in-memory tier in front of storage: immutable files that were checked
 * once on their way in, keyed by storage key (which is also their URL path
 * without the leading "/"), evicted least recently used past a byte budget.
 */
export class MemoryTier {
  private readonly files = new Map<string, HotFile>();
  private used = 0;
  private readonly maxFile: number;

  constructor(readonly budget: number) {
    this.maxFile = Math.min(MAX_FILE, Math.floor(budget / MAX_SHARE));
  }

  get(key: string): HotFile | undefined {
    const file = this.files.get(key);
    if (file) {
      // Map keeps insertion order: re-inserting makes it the most recently used.
      this.files.delete(key);
      this.files.set(key, file);
    }
    return file;
  }

  /** Holds a checked immutable file, unless it is too large to be worth it. */
  add(key: string, body: Buffer, etag: string | undefined, record?: ArtifactRecord): void {
    if (body.length > this.maxFile) return;
    this.delete(key);
    const kind = kindOf(key);
    const headers = ["Content-Type", CONTENT_TYPES[kind], "Content-Length", String(body.length), "Cache-Control", IMMUTABLE_CACHE];
    if (etag !== undefined) headers.push("ETag", etag);
    this.files.set(key, { body, etag, record, kind, headers, of: kind === "sumdb-tile" ? undefined : versionFileOf(key, kind) });
    this.used += body.length;
    for (const [oldest, file] of this.files) {
      if (this.used <= this.budget) break;
      this.files.delete(oldest);
      this.used -= file.body.length;
    }
  }

  delete(key: string): void {
    const file = this.files.get(key);
    if (!file) return;
    this.files.delete(key);
    this.used -= file.body.length;
  }

  /** Bytes of file content held. */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.files.size;
  }
}

/** Content types of what the GOPROXY protocol and the checksum database serve. */
export const CONTENT_TYPES = {
  info: "application/json",
  latest: "application/json",
  mod: "text/plain; charset=utf-8",
  zip: "application/zip",
  list: "text/plain; charset=utf-8",
  "sumdb-tile": "application/octet-stream",
} as const;

/** "example.com/!foo/@v/v1.0.0.zip" names example.com/Foo v1.0.0; the key was checked when its file was first served. */
function versionFileOf(key: string, kind: VersionFileKind): Pick<VersionFileRequest, "module" | "version" | "kind"> {
  const at = key.lastIndexOf("/@v/");
  return { module: decodeCase(key.slice(0, at)), version: decodeCase(key.slice(at + "/@v/".length, key.lastIndexOf("."))), kind };
}

function kindOf(key: string): "info" | "mod" | "zip" | "sumdb-tile" {
  if (key.startsWith("sumdb/")) return "sumdb-tile";
  const ext = key.slice(key.lastIndexOf(".") + 1);
  if (ext === "info" || ext === "mod" || ext === "zip") return ext;
  throw new Error(`not a file the memory tier holds: ${key}`);
}
