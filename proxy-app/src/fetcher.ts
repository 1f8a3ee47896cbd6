import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { ArtifactRecord, ArtifactStore, BadUpstreamContentError, ChecksumStatus, etagOf, readAll, sha256Hex, VerificationError } from "./artifact";
import type { VerifyMode } from "./config";
import type { ProxyMetrics } from "./metrics";
import { ModulePatterns } from "./private-patterns";
import { VersionFileRequest, versionFilePath } from "./protocol";
import { SingleFlight, Slots } from "./single-flight";
import { defaultSpoolDir, Spool, SpoolClosedError, sweepSpool } from "./spool";
import { Upstream, UpstreamError, UpstreamResponse, UpstreamTimeoutError } from "./upstream/upstream";
import { checkModMatchesZip, checkModuleZip, goModHash, InvalidModuleContentError, MAX_GO_MOD, MAX_ZIP_FILE } from "./verify/module-zip";

/** A .info is a few fields of JSON. */
export const MAX_INFO = 64 * 1024;

/** A version file fetched from an upstream, checked, and (unless storage failed) stored. */
export interface FetchedFile {
  /** The length, when known before the body has arrived. */
  size?: number;
  /** The validator of the content; for a zip, only once it has been checked whole. */
  readonly etag?: string;
  /** This client's own copy of the body. Throws SpoolClosedError once the file is only in storage. */
  open(): Readable | Buffer;
  /** Settles when the file is stored or has failed; the fetch is shared until then. */
  done: Promise<void>;
  /** What was checked and recorded, once `done` has resolved. */
  readonly record?: ArtifactRecord;
  /** The upstream it came from (see UpstreamResponse.from). */
  readonly upstream?: string;
}

/**
 * The one way a version file gets into the proxy: fetch, bound, verify,
 * publish. `replace` overwrites a stored copy that has no record of being
 * checked (left by an older proxy or a publisher that died).
 */
export interface Fetcher {
  fetch(req: VersionFileRequest, opts?: { replace?: boolean }): Promise<FetchedFile>;
}

/** The hashes a checksum database holds for a version. */
export interface ExpectedHashes {
  zip: string;
  mod: string;
  db: string;
}

/** Where a version's expected hashes come from (the checksum-database service). */
export interface ChecksumSource {
  /**
   * The database's hashes for module@version, proven against its signed
   * tree; undefined when the module is not looked up (GONOSUMDB). Throws
   * ChecksumDbUnreachableError when the database cannot be asked.
   */
  hashesFor(module: string, version: string): Promise<ExpectedHashes | undefined>;
}

/** The checksum database could not be asked (down, timed out): not a mismatch. */
export class ChecksumDbUnreachableError extends UpstreamError {}

/** Bounds on one fetch. */
export interface FetchLimits {
  /** A whole fetch, however steadily bytes come (MODPROXY_FETCH_DEADLINE). */
  deadlineMs: number;
  /** Fetches under way at once (MODPROXY_MAX_FETCHES). */
  maxFetches: number;
}

export interface VerifyingFetcherOptions {
  artifacts: ArtifactStore;
  /** The upstream chain. */
  upstream: Upstream;
  /** Modules that must never reach an upstream proxy (GONOPROXY) and where they come from instead. */
  privateRoute?: { noProxy: ModulePatterns; upstream: Upstream };
  sums: ChecksumSource;
  mode: VerifyMode;
  limits: FetchLimits;
  /** Local directory for spooled zips; default: the system's temporary directory. */
  spoolDir?: string;
  metrics: ProxyMetrics;
  log: (msg: string) => void;
  /**
   * Fetches a zip for the .mod of a version no checksum database vouches for,
   * which can only be held to the go.mod inside its zip; the shared fetcher,
   * so the zip is fetched once. Default: this fetcher itself.
   */
  zips?: Fetcher;
}

/** A .info or .mod as an upstream gave it. */
interface SmallFile {
  body: Buffer;
  upstream?: string;
}

type Expectation = { kind: "db"; hashes: ExpectedHashes } | { kind: "not-looked-up" } | { kind: "unreachable"; why: string };

/**
 * Fetches version files and lets none through that fails a check: the zip by
 * Go's rules, the .mod against the zip, both against the checksum database.
 * It never de-duplicates concurrent fetches; `withSingleFlight` does.
 */
export class VerifyingFetcher implements Fetcher {
  private readonly slots: Slots;
  private readonly spoolDir: string;
  /** Versions stored unverified (when-available), to verify once the database answers. */
  private readonly pending = new Map<string, VersionFileRequest>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: VerifyingFetcherOptions) {
    this.slots = new Slots(o.limits.maxFetches);
    this.spoolDir = o.spoolDir ?? defaultSpoolDir();
  }

  async fetch(req: VersionFileRequest, { replace = false } = {}): Promise<FetchedFile> {
    if (req.kind === "zip") return this.zip(req, replace);
    const key = versionFilePath(req.encodedModule, req.encodedVersion, req.kind);
    const got = req.kind === "info" ? await this.info(req, key) : await this.mod(req, key);
    const body = got.body;
    await this.publish(key, body, got.record, replace, req);
    return { size: body.length, etag: etagOf(got.record), open: () => body, done: Promise.resolve(), record: got.record, upstream: got.upstream };
  }

  /** Clears what crashed processes left in the spool directory. */
  async init(): Promise<this> {
    await sweepSpool(this.spoolDir);
    return this;
  }

  /** Stops the background re-verification. */
  close(): void {
    clearTimeout(this.retryTimer);
  }

  /** A stored version found still unverified (e.g. after a restart): queue it for verification. */
  noteUnverified(req: VersionFileRequest): void {
    if (this.o.mode !== "when-available") return;
    this.pending.set(versionFilePath(req.encodedModule, req.encodedVersion, req.kind), req);
    this.o.metrics.unverified.set(this.pending.size);
    this.scheduleRetry();
  }

  private async info(req: VersionFileRequest, key: string): Promise<SmallFile & { record: ArtifactRecord }> {
    const { body, upstream } = await this.small(req, key, MAX_INFO);
    const version = infoVersion(body);
    if (version !== req.version) throw this.failed("info", `${req.module}@${req.version}: the upstream's .info names version ${version}`);
    return { body, upstream, record: { sha256: sha256Hex(body), size: body.length, checksum: "not-looked-up" } };
  }

  private async mod(req: VersionFileRequest, key: string): Promise<SmallFile & { record: ArtifactRecord }> {
    const expected = this.expect(req);
    const { body, upstream } = await this.small(req, key, MAX_GO_MOD);
    const h1 = goModHash(body);
    const expectation = await expected;
    const { checksum, db } = this.judge(req, "go.mod", h1, expectation, (h) => h.mod);
    const zipKey = versionFilePath(req.encodedModule, req.encodedVersion, "zip");
    let zip = await this.o.artifacts.record(zipKey).catch(() => undefined);
    if (!zip && expectation.kind !== "db") {
      // Nothing vouches for this .mod but its zip: have the zip (checked, and stored for later) first.
      const fetched = await (this.o.zips ?? this).fetch({ ...req, kind: "zip" });
      await fetched.done;
      zip = fetched.record;
    }
    if (zip && zip.goModH1 !== h1 && !(zip.goModH1 === undefined && isSynthesizedGoMod(body, req.module))) {
      throw this.failed("mod-zip", `${req.module}@${req.version}: the .mod differs from the go.mod inside the module zip`);
    }
    return { body, upstream, record: { sha256: sha256Hex(body), size: body.length, h1, checksum, db } };
  }

  /**
   * Streams the zip into a spool that clients read as it arrives; checks it
   * once whole, stores it, and only then lets clients have the last byte.
   */
  private async zip(req: VersionFileRequest, replace: boolean): Promise<FetchedFile> {
    const key = versionFilePath(req.encodedModule, req.encodedVersion, "zip");
    const expected = this.expect(req);
    const release = await this.slots.acquire();
    let spool: Spool;
    let res: UpstreamResponse;
    const deadline = this.deadline(key);
    try {
      res = await this.upstreamFor(req).fetch(key);
      deadline.watch(res.body);
      if (res.size !== undefined && res.size > MAX_ZIP_FILE) {
        res.body.destroy();
        throw this.failed("size", `${req.module}@${req.version}: the zip is ${res.size} bytes, over Go's limit of ${MAX_ZIP_FILE}`);
      }
      spool = await Spool.create(this.spoolDir, res.size);
    } catch (err) {
      deadline.clear();
      release();
      throw err;
    }
    let etag: string | undefined;
    let checkedRecord: ArtifactRecord | undefined;
    const done = (async () => {
      try {
        await spool.fill(
          res.body,
          MAX_ZIP_FILE,
          (limit) => this.failed("size", `${req.module}@${req.version}: the zip is larger than Go's limit of ${limit} bytes`),
          (got, want) =>
            new UpstreamError(`${req.module}@${req.version}: the upstream's zip broke off after ${got}${want === undefined ? "" : ` of ${want}`} bytes`),
        );
      } catch (err) {
        throw deadline.explain(err);
      } finally {
        deadline.clear();
        release();
      }
      let checked;
      try {
        checked = await checkModuleZip(spool.file, req.module, req.version);
      } catch (err) {
        if (err instanceof InvalidModuleContentError) throw this.failed("zip", `${req.module}@${req.version}: ${err.message}`);
        throw err;
      }
      const { checksum, db } = this.judge(req, "zip", checked.hash, await expected, (h) => h.zip);
      const mod = await this.o.artifacts.get(versionFilePath(req.encodedModule, req.encodedVersion, "mod")).catch(() => ({ state: "missing" as const }));
      if (mod.state === "ok" && Buffer.isBuffer(mod.artifact.body)) {
        try {
          checkModMatchesZip(mod.artifact.body, checked.goMod, req.module);
        } catch (err) {
          if (err instanceof InvalidModuleContentError) throw this.failed("mod-zip", `${req.module}@${req.version}: ${err.message}`);
          throw err;
        }
      }
      const record: ArtifactRecord = {
        sha256: spool.sha256,
        size: spool.size,
        h1: checked.hash,
        goModH1: checked.goMod && goModHash(checked.goMod),
        checksum,
        db,
      };
      await this.publish(key, () => createReadStream(spool.file), record, replace, req);
      etag = etagOf(record);
      checkedRecord = record;
      spool.release();
    })();
    done.catch((err: Error) => spool.fail(err));
    return {
      size: res.size,
      upstream: res.from,
      // Known once the zip is checked: a small zip is answered after that, a large one starts earlier without it.
      get etag() {
        return etag;
      },
      get record() {
        return checkedRecord;
      },
      open: () => spool.reader(),
      done,
    };
  }

  /**
   * Stores a checked file. Storage failing does not fail the client: the
   * content is checked, so it is passed on uncached.
   */
  private async publish(key: string, body: Buffer | (() => Readable), record: ArtifactRecord, replace: boolean, req: VersionFileRequest): Promise<void> {
    try {
      await this.o.artifacts.put(key, Buffer.isBuffer(body) ? body : body(), record, { overwrite: replace });
      this.o.metrics.stored.inc({ kind: req.kind, checksum: record.checksum });
      if (record.checksum === "unverified") this.noteUnverified(req);
    } catch (err) {
      this.o.metrics.storageFailures.inc({ op: "write" });
      this.o.log(`not cached ${key}: ${(err as Error).message}`);
    }
  }

  /** Asks the checksum database early, so its answer is ready when the download is. */
  private expect(req: VersionFileRequest): Promise<Expectation> {
    const p = this.o.sums.hashesFor(req.module, req.version).then(
      (hashes): Expectation => (hashes ? { kind: "db", hashes } : { kind: "not-looked-up" }),
      (err: unknown): Expectation => {
        if (err instanceof ChecksumDbUnreachableError && this.o.mode === "when-available") return { kind: "unreachable", why: err.message };
        throw err;
      },
    );
    p.catch(() => {});
    return p;
  }

  private judge(
    req: VersionFileRequest,
    what: "zip" | "go.mod",
    h1: string,
    expected: Expectation,
    pick: (h: ExpectedHashes) => string,
  ): { checksum: ChecksumStatus; db?: string } {
    if (expected.kind === "not-looked-up") return { checksum: "not-looked-up" };
    if (expected.kind === "unreachable") {
      this.o.log(`storing ${req.module}@${req.version} ${what} unverified: ${expected.why}`);
      return { checksum: "unverified" };
    }
    const want = pick(expected.hashes);
    if (want !== h1) {
      throw this.failed(
        "checksum",
        `${req.module}@${req.version}: the upstream's ${what} hashes to ${h1} but the checksum database ${expected.hashes.db} records ${want}; refusing it`,
      );
    }
    return { checksum: "verified", db: expected.hashes.db };
  }

  /** Every refused file passes here: counted, and said in the event log, where the client's 502 alone would leave an operator guessing. */
  private failed(check: string, message: string): VerificationError {
    this.o.metrics.verificationFailures.inc({ check });
    this.o.log(`refused (${check} check): ${message}`);
    return new VerificationError(check, message);
  }

  private upstreamFor(req: VersionFileRequest): Upstream {
    return this.o.privateRoute?.noProxy.matches(req.module) ? this.o.privateRoute.upstream : this.o.upstream;
  }

  private async small(req: VersionFileRequest, key: string, limit: number): Promise<SmallFile> {
    const release = await this.slots.acquire();
    const deadline = this.deadline(key);
    try {
      const res = await this.upstreamFor(req).fetch(key);
      deadline.watch(res.body);
      const body = await readAll(res.body, limit, `the upstream's ${key}`, () =>
        this.failed("size", `${req.module}@${req.version}: the upstream's .${req.kind} is larger than ${limit} bytes`),
      );
      return { body, upstream: res.from };
    } catch (err) {
      throw deadline.explain(err);
    } finally {
      deadline.clear();
      release();
    }
  }

  /** A timer that ends a fetch running past MODPROXY_FETCH_DEADLINE, whatever its pace. */
  private deadline(key: string) {
    const ms = this.o.limits.deadlineMs;
    let body: Readable | undefined;
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      body?.destroy(new UpstreamTimeoutError(`fetching ${key} took longer than ${ms} ms`));
    }, ms);
    return {
      watch: (b: Readable) => {
        body = b;
        if (expired) b.destroy();
      },
      clear: () => clearTimeout(timer),
      explain: (err: unknown) =>
        expired && !(err instanceof UpstreamTimeoutError) ? new UpstreamTimeoutError(`fetching ${key} took longer than ${ms} ms`) : err,
    };
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.pending.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reverify().finally(() => this.scheduleRetry());
    }, REVERIFY_INTERVAL_MS);
    this.retryTimer.unref();
  }

  /** Holds each unverified version to the database once it answers; a mismatch is purged. */
  async reverify(): Promise<void> {
    for (const [key, req] of [...this.pending]) {
      const record = await this.o.artifacts.record(key).catch(() => undefined);
      if (!record || record.checksum !== "unverified") {
        this.pending.delete(key);
        this.o.metrics.unverified.set(this.pending.size);
        continue;
      }
      let hashes: ExpectedHashes | undefined;
      try {
        hashes = await this.o.sums.hashesFor(req.module, req.version);
      } catch (err) {
        if (err instanceof ChecksumDbUnreachableError) return;
        this.o.log(`re-verifying ${key}: ${(err as Error).message}`);
        continue;
      }
      this.pending.delete(key);
      this.o.metrics.unverified.set(this.pending.size);
      const want = hashes && (req.kind === "zip" ? hashes.zip : hashes.mod);
      if (hashes === undefined || want === record.h1) {
        const checksum: ChecksumStatus = hashes ? "verified" : "not-looked-up";
        await this.o.artifacts.writeRecord(key, { ...record, checksum, db: hashes?.db });
      } else {
        this.o.metrics.verificationFailures.inc({ check: "checksum" });
        this.o.metrics.purged.inc();
        this.o.log(`purging ${key}: it hashes to ${record.h1} but the checksum database ${hashes.db} records ${want}`);
        await this.o.artifacts.remove(key);
      }
    }
  }
}

/** How often unverified versions are retried against the checksum database. */
const REVERIFY_INTERVAL_MS = 30_000;

/** Whether a .mod is what the go command makes up for a zip without go.mod: the module line alone. */
function isSynthesizedGoMod(mod: Buffer, module: string): boolean {
  try {
    checkModMatchesZip(mod, undefined, module);
    return true;
  } catch {
    return false;
  }
}

export function infoVersion(body: Buffer): string {
  let info: unknown;
  try {
    info = JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadUpstreamContentError("the upstream's .info is not JSON");
  }
  const version = (info as { Version?: unknown } | null)?.Version;
  if (typeof version !== "string") throw new BadUpstreamContentError('the upstream\'s .info has no "Version"');
  return version;
}

/**
 * Composes de-duplication around a fetcher: concurrent requests for one file
 * share one upstream fetch until it is stored.
 */
export function withSingleFlight(inner: Fetcher): Fetcher {
  const flights = new SingleFlight<FetchedFile>();
  return {
    fetch: (req, opts) =>
      flights.run(
        versionFilePath(req.encodedModule, req.encodedVersion, req.kind),
        () => inner.fetch(req, opts),
        (f) => f.done,
      ),
  };
}

/** A lock per file shared by the processes serving one storage (the cluster's workers). */
export interface FlightLock {
  /** Waits until no other process is fetching `key`; the returned function lets the next one in. */
  acquire(key: string): Promise<() => void>;
}

/**
 * Composes de-duplication across processes around a fetcher: one fetch per
 * file among all holders of the lock. Give it a fetcher made by
 * `withStoredCheck`, so a process that waited serves what the one before it
 * stored instead of fetching again.
 */
export function withFlightLock(inner: Fetcher, lock: FlightLock): Fetcher {
  return {
    async fetch(req, opts) {
      const release = await lock.acquire(versionFilePath(req.encodedModule, req.encodedVersion, req.kind));
      let fetched: FetchedFile;
      try {
        fetched = await inner.fetch(req, opts);
      } catch (err) {
        release();
        throw err;
      }
      fetched.done.then(release, release);
      return fetched;
    },
  };
}

/**
 * Looks in storage once more before fetching: a caller that missed there may
 * reach the fetcher just after another fetch of the file was stored and its
 * flight ended, and would otherwise ask the upstream a second time.
 */
export function withStoredCheck(inner: Fetcher, artifacts: ArtifactStore): Fetcher {
  return {
    async fetch(req, opts) {
      let stored: Awaited<ReturnType<ArtifactStore["get"]>>;
      try {
        stored = await artifacts.get(versionFilePath(req.encodedModule, req.encodedVersion, req.kind));
      } catch {
        // Storage that cannot be read now is the fetcher's to work around (checked content passes on uncached).
        return inner.fetch(req, opts);
      }
      if (stored.state === "ok") {
        const { body, size, etag } = stored.artifact;
        // A stream belongs to one reader; the caller reads storage again instead (see FetchedFile.open).
        if (!Buffer.isBuffer(body)) body.destroy();
        return {
          size,
          etag,
          open: () => {
            if (Buffer.isBuffer(body)) return body;
            throw new SpoolClosedError();
          },
          done: Promise.resolve(),
        };
      }
      if (stored.state === "unrecorded" && !Buffer.isBuffer(stored.artifact.body)) stored.artifact.body.destroy();
      return inner.fetch(req, opts);
    },
  };
}
