import { createHash } from "node:crypto";
import { pipeline, Readable, Transform } from "node:stream";
import { MemoryTier } from "./memory-tier";
import { Storage } from "./storage/storage";
import { UpstreamError } from "./upstream/upstream";

/** What the HTTP layer sends back for a request. */
export interface Artifact {
  body: Readable | Buffer;
  size?: number;
  /** Content that never changes (a canonical version's files, a checksum record): cache it for long. */
  immutable: boolean;
  /** Strong validator from the content's recorded hash; absent where there is none. */
  etag?: string;
}

/** An upstream answered with something that is not what the protocol says. */
export class BadUpstreamContentError extends UpstreamError {}

/**
 * A fetched file failed a check (zip rules, hashes, the checksum database):
 * nothing was stored and the client's download was cut. `check` labels the
 * metric; the message says what was wrong in words a user can act on.
 */
export class VerificationError extends BadUpstreamContentError {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

/** How a stored version file was vouched for. */
export type ChecksumStatus =
  /** Its hash equals the checksum database's record (`db` names it). */
  | "verified"
  /** MODPROXY_VERIFY=when-available and the database could not be asked: structural checks only, verified later. */
  | "unverified"
  /** GONOSUMDB/GONOPROXY, or a file the database has no hash for (.info): structural checks only. */
  | "not-looked-up";

/** What the proxy recorded of a stored file when it published it, kept beside it as "<key>.meta". */
export interface ArtifactRecord {
  /** Hex SHA-256 of the stored bytes: what reads are checked against. */
  sha256: string;
  size: number;
  /** The go.sum hash: a zip's, or a .mod's "/go.mod" hash. */
  h1?: string;
  /** For a zip: the go.sum hash of the go.mod inside it, to hold a later .mod to it. */
  goModH1?: string;
  checksum: ChecksumStatus;
  db?: string;
}

/** Reads a whole body into memory, refusing more than `limit` bytes; a broken-off body is an upstream failure. */
export async function readAll(stream: Readable, limit: number, what: string, onLimit?: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) throw onLimit?.() ?? new BadUpstreamContentError(`${what} is larger than ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    stream.destroy();
    throw err instanceof UpstreamError ? err : new UpstreamError(`${what} broke off`);
  }
  return Buffer.concat(chunks);
}

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Large files remembered as checked; each entry is a key and a version, so this is a few MiB at most. */
const MAX_CHECKED_VERSIONS = 10_000;

/** Files up to this size are read whole and checked before a byte is sent; larger ones are checked as they stream. */
const SMALL_FILE = 1024 * 1024;

export type StoredArtifact =
  | { state: "ok"; artifact: Artifact; record: ArtifactRecord }
  /** Stored without a record (an older proxy, or a publisher that died before writing it): to be fetched and checked again. */
  | { state: "unrecorded"; artifact: Artifact }
  | { state: "missing" };

/**
 * Version files in storage with the record of how each was checked. Reads
 * hold the bytes to the recorded hash, so a file altered in storage is
 * refused (as missing) instead of served. Each stored version is checked
 * once per process: small files are then answered from the memory tier,
 * large ones streamed unhashed until the backend shows them rewritten.
 */
export class ArtifactStore {
  /** Large files whose bytes hashed right when last read whole, by key: the stored version then read. */
  private readonly checkedVersions = new Map<string, string>();

  constructor(
    readonly storage: Storage,
    private readonly onCorrupt: (key: string) => void = () => {},
    readonly tier?: MemoryTier,
  ) {}

  async record(key: string): Promise<ArtifactRecord | undefined> {
    const meta = await this.storage.read(`${key}.meta`);
    if (!meta) return undefined;
    try {
      const parsed = JSON.parse((await readAll(meta.body, 64 * 1024, `record of ${key}`)).toString("utf8")) as ArtifactRecord;
      return typeof parsed.sha256 === "string" && typeof parsed.size === "number" ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async get(key: string): Promise<StoredArtifact> {
    const hot = this.tier?.get(key);
    if (hot?.record) return { state: "ok", artifact: { body: hot.body, size: hot.body.length, immutable: true, etag: hot.etag }, record: hot.record };
    const [obj, record] = await Promise.all([this.storage.read(key), this.record(key)]);
    if (!obj) return { state: "missing" };
    if (!record) return { state: "unrecorded", artifact: { body: obj.body, size: obj.size, immutable: true } };
    const etag = etagOf(record);
    if (obj.size !== record.size) {
      obj.body.destroy();
      this.onCorrupt(key);
      return { state: "missing" };
    }
    if (obj.size <= SMALL_FILE) {
      const body = await readAll(obj.body, SMALL_FILE, `stored ${key}`);
      if (sha256Hex(body) !== record.sha256) {
        this.onCorrupt(key);
        return { state: "missing" };
      }
      this.hold(key, body, etag, record);
      return { state: "ok", artifact: { body, size: body.length, immutable: true, etag }, record };
    }
    // Checked once per stored version: hashing 100 MB for every client cost more CPU than sending it.
    if (obj.version !== undefined && this.checkedVersions.get(key) === obj.version) {
      return { state: "ok", artifact: { body: obj.body, size: obj.size, immutable: true, etag }, record };
    }
    const checked = holdUntilHashMatches(
      record.sha256,
      () => this.onCorrupt(key),
      () => obj.version !== undefined && this.noteChecked(key, obj.version),
    );
    // Either end failing or cut short (a client gone) closes both, so the file handle is released at once, not by GC.
    pipeline(obj.body, checked, () => {});
    return { state: "ok", artifact: { body: checked, size: obj.size, immutable: true, etag }, record };
  }

  /** Publishes a checked file and then its record; a file someone else published first is kept, with their record. */
  async put(key: string, body: Readable | Buffer, record: ArtifactRecord, opts: { overwrite?: boolean } = {}): Promise<boolean> {
    const { created } = await this.storage.write(key, body, opts);
    if (created) {
      await this.writeRecord(key, record);
      if (Buffer.isBuffer(body)) this.hold(key, body, etagOf(record), record);
    }
    return created;
  }

  /** Records (again) how a stored file was checked: once it is verified later, or checked for the first time. */
  async writeRecord(key: string, record: ArtifactRecord): Promise<void> {
    await this.storage.write(`${key}.meta`, Buffer.from(JSON.stringify(record) + "\n"), { overwrite: true });
  }

  private noteChecked(key: string, version: string): void {
    this.checkedVersions.delete(key);
    this.checkedVersions.set(key, version);
    // A bound, oldest out first: forgetting one only costs hashing it again.
    if (this.checkedVersions.size > MAX_CHECKED_VERSIONS) this.checkedVersions.delete(this.checkedVersions.keys().next().value!);
  }

  /** An unverified file stays out of memory: it may yet be purged, and each hit queues it for verification. */
  private hold(key: string, body: Buffer, etag: string, record: ArtifactRecord): void {
    if (record.checksum !== "unverified") this.tier?.add(key, body, etag, record);
  }

  async remove(key: string): Promise<void> {
    this.tier?.delete(key);
    this.checkedVersions.delete(key);
    await this.storage.delete(`${key}.meta`);
    await this.storage.delete(key);
  }
}

/** The recorded hash as a strong validator: the same on a miss, a hit, and on every replica. */
export function etagOf(record: ArtifactRecord): string {
  return `"${record.h1 ?? record.sha256}"`;
}

/** Passes bytes on, keeping the last chunk back until the whole stream hashed to `sha256`; fails the stream otherwise. */
function holdUntilHashMatches(sha256: string, onMismatch: () => void, onMatch: () => void): Transform {
  const hash = createHash("sha256");
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      if (hash.digest("hex") !== sha256) {
        onMismatch();
        done(new Error("stored file does not match its recorded hash"));
        return;
      }
      onMatch();
      done(null, held);
    },
  });
}
