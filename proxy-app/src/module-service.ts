import type { Readable } from "node:stream";
import { AnswerCache, AnswerState, STALE_GRACE_MS } from "./answer-cache";
import { Artifact, ArtifactStore, BadUpstreamContentError, readAll, StoredArtifact, VerificationError } from "./artifact";
import { Fetcher, infoVersion } from "./fetcher";
import type { ProxyMetrics } from "./metrics";
import { decodeCase, encodeCase } from "./module-path";
import { ModulePatterns } from "./private-patterns";
import { ModuleRequest, VersionFileRequest, versionFilePath } from "./protocol";
import { compareVersions, isCanonicalModuleVersion, isPseudoVersion, isValidVersion, latestVersion } from "./semver";
import { SpoolClosedError } from "./spool";
import { StorageUnavailableError } from "./storage/storage";
import type { CacheResult } from "./logs";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamError } from "./upstream/upstream";

/** Caps on the moving answers read into memory. */
const MAX_LIST = 16 * 1024 * 1024;
const MAX_INFO = 64 * 1024;
/** How long after an upstream's last answer its slowness is taken for load rather than an outage. */
const ANSWERING_WINDOW_MS = 60_000;
/** Zips up to this size are checked whole before the response starts; larger ones stream while they are checked. */
const CHECK_BEFORE_ANSWER = 8 * 1024 * 1024;

export interface ModuleServiceOptions {
  artifacts: ArtifactStore;
  /** The way version files get in: fetched, checked and stored (with de-duplication composed around it). */
  fetcher: Fetcher;
  /** list and @latest answers, kept with a TTL and served stale when upstreams fail. */
  answers: AnswerCache;
  /** The upstream chain, for list, @latest and queries. */
  upstream: Upstream;
  /** Modules that must never reach an upstream proxy (GONOPROXY), and where they come from instead. */
  privateRoute?: { noProxy: ModulePatterns; upstream: Upstream };
  metrics: ProxyMetrics;
  log?: (msg: string) => void;
  /** Called for a stored version found still unverified, to verify it in the background. */
  onUnverified?: (req: VersionFileRequest) => void;
  /** Called for each stored version file served (from storage, or fetched and being stored), to track last access. */
  onServed?: (req: VersionFileRequest) => void;
}

/** Where the request log learns what the cache did for a request, and which upstream a miss came from. */
export interface ServedNote {
  cache?: CacheResult;
  upstream?: string;
}

/**
 * The proxy's logic: serve from storage, else have the fetcher get the file
 * checked and stored; answer list and @latest from a cache that keeps
 * answering when upstreams fail.
 */
export class ModuleService {
  private readonly log: (msg: string) => void;
  /** When an upstream last answered; a slow answer soon after is load, not an outage. */
  private answeredAt = -Infinity;

  constructor(private readonly o: ModuleServiceOptions) {
    this.log = o.log ?? (() => {});
  }

  async versionFile(req: VersionFileRequest, note?: ServedNote): Promise<Artifact> {
    if (!isCanonicalModuleVersion(req.version)) {
      // A query such as a branch name: its answer moves, so it is neither cached nor stored.
      const { body, from } = await this.fetchSmall(req, versionFilePath(req.encodedModule, req.encodedVersion, "info"), MAX_INFO);
      checkInfo(body);
      this.counted(req.kind, "bypass", note, from);
      return { body, immutable: false };
    }
    const key = versionFilePath(req.encodedModule, req.encodedVersion, req.kind);
    // Storage that cannot be read does not stop a checked fetch from reaching the client, uncached.
    let storageDown: StorageUnavailableError | undefined;
    const stored = await this.o.artifacts.get(key).catch((err: unknown): StoredArtifact => {
      if (!(err instanceof StorageUnavailableError)) throw err;
      storageDown = err;
      return { state: "missing" };
    });
    if (stored.state === "ok") {
      this.counted(req.kind, "hit", note);
      if (stored.record.checksum === "unverified") this.o.onUnverified?.(req);
      this.o.onServed?.(req);
      return stored.artifact;
    }
    const fetching = this.fetchFile(req, key, stored, storageDown, note);
    const answering = Date.now() - this.answeredAt < ANSWERING_WINDOW_MS;
    if (req.kind !== "info" || stored.state !== "missing" || answering || !(await this.holdsVersion(req))) return fetching;
    // The .info of a version held and checked while no upstream has answered of late: one that may be dead costs
    // the client no more than the grace period, after which the version alone answers (the protocol makes Time
    // optional); the fetch goes on. An upstream that answers is only slow, and is waited for.
    fetching.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), STALE_GRACE_MS)));
    try {
      return (await Promise.race([fetching, grace])) ?? this.versionOnly(req, "the upstream is slow to answer", note);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The file from the fetcher (checked and stored), or what may stand in for it when the upstream cannot give it. */
  private async fetchFile(
    req: VersionFileRequest,
    key: string,
    stored: StoredArtifact,
    storageDown: StorageUnavailableError | undefined,
    note: ServedNote | undefined,
  ): Promise<Artifact> {
    try {
      const fetched = await this.o.fetcher.fetch(req, { replace: stored.state === "unrecorded" }).catch((err: unknown) => {
        if (err instanceof NotFoundError) this.answered();
        throw err;
      });
      this.answered();
      let body: Readable | Buffer;
      try {
        body = fetched.open();
      } catch (err) {
        // The shared fetch finished between joining it and reading it: it is in storage now.
        if (!(err instanceof SpoolClosedError)) throw err;
        const now = await this.o.artifacts.get(key);
        if (now.state !== "ok") throw new UpstreamError(`${req.module}@${req.version}: fetched but no longer readable`);
        return now.artifact;
      }
      // A small zip is checked before the answer starts, so a refusal reaches the client as a 502 with its reason
      // rather than as a download cut short.
      if (fetched.size !== undefined && fetched.size <= CHECK_BEFORE_ANSWER) {
        await fetched.done.catch((err: unknown) => {
          discard({ body, immutable: true });
          throw err;
        });
      }
      this.counted(req.kind, "miss", note, fetched.upstream);
      this.o.onServed?.(req);
      if (stored.state === "unrecorded") discard(stored.artifact);
      return { body, size: fetched.size, immutable: true, etag: fetched.etag };
    } catch (err) {
      // A copy stored before files were checked still serves when the upstream cannot give a checked one.
      if (stored.state === "unrecorded" && err instanceof UpstreamError && !(err instanceof BadUpstreamContentError)) {
        this.counted(req.kind, "stale", note);
        this.log(`serving unchecked stored ${key}: ${(err as Error).message}`);
        return stored.artifact;
      }
      if (stored.state === "unrecorded") discard(stored.artifact);
      // Without an upstream to fall back on, the storage failure is what the client needs to hear.
      if (storageDown && !(err instanceof VerificationError)) throw storageDown;
      // Resolving a build list fetches .mod and .zip files only, and go mod download then asks for every .info.
      if (req.kind === "info" && isUnavailable(err) && (await this.holdsVersion(req))) return this.versionOnly(req, (err as Error).message, note);
      throw err;
    }
  }

  /** A .info of the version alone, for a version held and checked whose .info the upstream cannot give now; not stored. */
  private versionOnly(req: VersionFileRequest, why: string, note: ServedNote | undefined): Artifact {
    this.counted("info", "stale", note);
    this.log(`answering ${versionFilePath(req.encodedModule, req.encodedVersion, "info")} with its version alone: ${why}`);
    return { body: Buffer.from(JSON.stringify({ Version: req.version }) + "\n"), immutable: false };
  }

  /** True when the version's .mod or .zip is stored with the record of its checks. */
  private async holdsVersion(req: VersionFileRequest): Promise<boolean> {
    for (const kind of ["mod", "zip"] as const) {
      if (await this.o.artifacts.record(versionFilePath(req.encodedModule, req.encodedVersion, kind)).catch(() => undefined)) return true;
    }
    return false;
  }

  /** Upstream's versions merged with the stored ones; the stored ones alone when upstreams fail. */
  async list(req: ModuleRequest, note?: ServedNote): Promise<string[]> {
    const key = `${req.encodedModule}/@v/list`;
    let from: string | undefined;
    const { body, state } = await this.o.answers.get(
      key,
      async () => {
        const cached = await this.cachedVersions(req.encodedModule);
        let fromUpstream: string[] = [];
        try {
          const got = await this.fetchSmall(req, key, MAX_LIST);
          from = got.from;
          fromUpstream = parseList(got.body);
        } catch (err) {
          // "off" is no answer to store: only a 404/410 leaves the held versions as the list.
          if (!(err instanceof NotFoundError) || cached.length === 0) throw err;
        }
        return formatList([...fromUpstream, ...cached]);
      },
      async () => {
        const cached = await this.cachedVersions(req.encodedModule);
        return cached.length === 0 ? undefined : formatList(cached);
      },
    );
    this.answerCounted("list", state, note, from);
    if (state !== "stale") return parseList(body);
    // Without the upstream only held versions can be served: list no other, so `go get m` picks one of them.
    const held = new Set(await this.cachedVersions(req.encodedModule, true));
    if (held.size === 0) return parseList(body);
    const servable = parseList(body).filter((v) => held.has(v));
    return servable.length > 0 ? servable : parseList(formatList([...held]));
  }

  /** Upstream's @latest; when upstreams fail, the stored answer or the latest stored version's .info. */
  async latest(req: ModuleRequest, note?: ServedNote): Promise<Buffer> {
    let from: string | undefined;
    const heldLatest = async () => {
      const best = latestVersion(await this.cachedVersions(req.encodedModule, true)) ?? latestVersion(await this.cachedVersions(req.encodedModule));
      if (best === undefined) return undefined;
      const stored = await this.o.artifacts.get(versionFilePath(req.encodedModule, encodeCase(best), "info"));
      if (stored.state === "ok") return Buffer.isBuffer(stored.artifact.body) ? stored.artifact.body : readAll(stored.artifact.body, MAX_INFO, "stored .info");
      // Only .mod or .zip is stored: the version is all the go command needs.
      return Buffer.from(JSON.stringify({ Version: best }) + "\n");
    };
    const { body, state } = await this.o.answers.get(
      `${req.encodedModule}/@latest`,
      async () => {
        const got = await this.fetchSmall(req, `${req.encodedModule}/@latest`, MAX_INFO);
        checkInfo(got.body);
        from = got.from;
        return got.body;
      },
      heldLatest,
    );
    this.answerCounted("latest", state, note, from);
    if (state !== "stale") return body;
    // Without the upstream, a latest version that is not held cannot be built: name the newest held one instead.
    const held = new Set(await this.cachedVersions(req.encodedModule, true));
    return held.has(infoVersion(body)) ? body : ((await heldLatest()) ?? body);
  }

  /** Versions with any file stored; with `zipsOnly`, those that can be built (their zip is stored). */
  private async cachedVersions(encodedModule: string, zipsOnly = false): Promise<string[]> {
    const names = await this.o.artifacts.storage.list(`${encodedModule}/@v/`);
    const versions = new Set<string>();
    for (const name of names) {
      const m = (zipsOnly ? /^(.+)\.(zip)$/ : /^(.+)\.(info|mod|zip)$/).exec(name);
      if (!m) continue;
      try {
        const v = decodeCase(m[1]);
        if (isCanonicalModuleVersion(v)) versions.add(v);
      } catch {
        // Not a file this proxy wrote; ignore it.
      }
    }
    return [...versions];
  }

  /** Counts a cache result, and tells the request's note. */
  private counted(kind: string, result: CacheResult, note: ServedNote | undefined, upstream?: string): void {
    this.o.metrics.cache.inc({ kind, result });
    if (note) {
      note.cache = result;
      note.upstream = upstream;
    }
  }

  /** The same for a list or @latest answer, which the metrics count by the answer cache's state. */
  private answerCounted(kind: "list" | "latest", state: AnswerState, note: ServedNote | undefined, from: string | undefined): void {
    this.o.metrics.cache.inc({ kind, result: state });
    if (note) {
      // A fresh answer came from the upstream just now: this request's or one it joined (which leaves `from` unknown).
      note.cache = state === "fresh" ? "miss" : state;
      note.upstream = state === "fresh" ? from : undefined;
    }
  }

  private async fetchSmall(req: ModuleRequest, path: string, limit: number): Promise<{ body: Buffer; from?: string }> {
    const upstream = this.o.privateRoute?.noProxy.matches(req.module) ? this.o.privateRoute.upstream : this.o.upstream;
    const res = await upstream.fetch(path).catch((err: unknown) => {
      if (err instanceof NotFoundError) this.answered();
      throw err;
    });
    this.answered();
    return { body: await readAll(res.body, limit, `the upstream's ${path}`), from: res.from };
  }

  /** An upstream answered (a file, or that it has none): it is alive. */
  private answered(): void {
    this.answeredAt = Date.now();
  }
}

function parseList(body: Buffer): string[] {
  return body
    .toString("utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter(isValidVersion);
}

/** The versions of a list answer: sorted, each once; pseudo-versions are never listed. */
function formatList(versions: string[]): Buffer {
  const unique = [...new Set(versions.filter((v) => !isPseudoVersion(v)))].sort(compareVersions);
  return Buffer.from(unique.map((v) => v + "\n").join(""));
}

/** The upstreams cannot be asked (down, failing, "off"), as opposed to having answered or sent something bad. */
function isUnavailable(err: unknown): boolean {
  return err instanceof LookupDisabledError || (err instanceof UpstreamError && !(err instanceof BadUpstreamContentError));
}

function discard(a: Artifact): void {
  if (!Buffer.isBuffer(a.body)) a.body.destroy();
}

function checkInfo(body: Buffer): void {
  const version = infoVersion(body);
  if (!isValidVersion(version)) throw new BadUpstreamContentError('the upstream\'s .info has no valid "Version"');
}
