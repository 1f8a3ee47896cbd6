import type { Readable } from "node:stream";
import { AnswerCache } from "./answer-cache";
import { Artifact, ArtifactStore, BadUpstreamContentError, readAll, StoredArtifact, VerificationError } from "./artifact";
import { Fetcher, infoVersion } from "./fetcher";
import type { ProxyMetrics } from "./metrics";
import { decodeCase, encodeCase } from "./module-path";
import { ModulePatterns } from "./private-patterns";
import { ModuleRequest, VersionFileRequest, versionFilePath } from "./protocol";
import { compareVersions, isCanonicalModuleVersion, isPseudoVersion, isValidVersion, latestVersion } from "./semver";
import { SpoolClosedError } from "./spool";
import { StorageUnavailableError } from "./storage/storage";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamError } from "./upstream/upstream";

/** Caps on the moving answers read into memory. */
const MAX_LIST = 16 * 1024 * 1024;
const MAX_INFO = 64 * 1024;
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
}

/**
 * The proxy's logic: serve from storage, else have the fetcher get the file
 * checked and stored; answer list and @latest from a cache that keeps
 * answering when upstreams fail.
 */
export class ModuleService {
  private readonly log: (msg: string) => void;

  constructor(private readonly o: ModuleServiceOptions) {
    this.log = o.log ?? (() => {});
  }

  async versionFile(req: VersionFileRequest): Promise<Artifact> {
    if (!isCanonicalModuleVersion(req.version)) {
      // A query such as a branch name: its answer moves, so it is neither cached nor stored.
      const body = await this.fetchSmall(req, versionFilePath(req.encodedModule, req.encodedVersion, "info"), MAX_INFO);
      checkInfo(body);
      this.o.metrics.cache.inc({ kind: req.kind, result: "bypass" });
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
      this.o.metrics.cache.inc({ kind: req.kind, result: "hit" });
      if (stored.record.checksum === "unverified") this.o.onUnverified?.(req);
      return stored.artifact;
    }
    try {
      const fetched = await this.o.fetcher.fetch(req, { replace: stored.state === "unrecorded" });
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
      this.o.metrics.cache.inc({ kind: req.kind, result: "miss" });
      if (stored.state === "unrecorded") discard(stored.artifact);
      return { body, size: fetched.size, immutable: true, etag: fetched.etag };
    } catch (err) {
      // A copy stored before files were checked still serves when the upstream cannot give a checked one.
      if (stored.state === "unrecorded" && err instanceof UpstreamError && !(err instanceof BadUpstreamContentError)) {
        this.o.metrics.cache.inc({ kind: req.kind, result: "stale" });
        this.log(`serving unchecked stored ${key}: ${(err as Error).message}`);
        return stored.artifact;
      }
      if (stored.state === "unrecorded") discard(stored.artifact);
      // Without an upstream to fall back on, the storage failure is what the client needs to hear.
      if (storageDown && !(err instanceof VerificationError)) throw storageDown;
      if (req.kind === "info" && isUnavailable(err) && (await this.holdsVersion(req))) {
        // Resolving a build list fetches .mod and .zip files only, and go mod download then asks for every .info:
        // of a version held and checked, its Version is all a client needs (the protocol makes Time optional).
        this.o.metrics.cache.inc({ kind: "info", result: "stale" });
        this.log(`answering ${key} with its version alone: ${(err as Error).message}`);
        return { body: Buffer.from(JSON.stringify({ Version: req.version }) + "\n"), immutable: false };
      }
      throw err;
    }
  }

  /** True when the version's .mod or .zip is stored with the record of its checks. */
  private async holdsVersion(req: VersionFileRequest): Promise<boolean> {
    for (const kind of ["mod", "zip"] as const) {
      if (await this.o.artifacts.record(versionFilePath(req.encodedModule, req.encodedVersion, kind))) return true;
    }
    return false;
  }

  /** Upstream's versions merged with the stored ones; the stored ones alone when upstreams fail. */
  async list(req: ModuleRequest): Promise<string[]> {
    const key = `${req.encodedModule}/@v/list`;
    const { body, state } = await this.o.answers.get(
      key,
      async () => {
        const cached = await this.cachedVersions(req.encodedModule);
        let fromUpstream: string[] = [];
        try {
          fromUpstream = parseList(await this.fetchSmall(req, key, MAX_LIST));
        } catch (err) {
          if (!(err instanceof NotFoundError || err instanceof LookupDisabledError) || cached.length === 0) throw err;
        }
        return formatList([...fromUpstream, ...cached]);
      },
      async () => {
        const cached = await this.cachedVersions(req.encodedModule);
        return cached.length === 0 ? undefined : formatList(cached);
      },
    );
    this.o.metrics.cache.inc({ kind: "list", result: state });
    return parseList(body);
  }

  /** Upstream's @latest; when upstreams fail, the stored answer or the latest stored version's .info. */
  async latest(req: ModuleRequest): Promise<Buffer> {
    const { body, state } = await this.o.answers.get(
      `${req.encodedModule}/@latest`,
      async () => {
        const body = await this.fetchSmall(req, `${req.encodedModule}/@latest`, MAX_INFO);
        checkInfo(body);
        return body;
      },
      async () => {
        const best = latestVersion(await this.cachedVersions(req.encodedModule));
        if (best === undefined) return undefined;
        const stored = await this.o.artifacts.get(versionFilePath(req.encodedModule, encodeCase(best), "info"));
        if (stored.state === "ok")
          return Buffer.isBuffer(stored.artifact.body) ? stored.artifact.body : readAll(stored.artifact.body, MAX_INFO, "stored .info");
        // Only .mod or .zip is stored: the version is all the go command needs.
        return Buffer.from(JSON.stringify({ Version: best }) + "\n");
      },
    );
    this.o.metrics.cache.inc({ kind: "latest", result: state });
    return body;
  }

  private async cachedVersions(encodedModule: string): Promise<string[]> {
    const names = await this.o.artifacts.storage.list(`${encodedModule}/@v/`);
    const versions = new Set<string>();
    for (const name of names) {
      const m = /^(.+)\.(info|mod|zip)$/.exec(name);
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

  private async fetchSmall(req: ModuleRequest, path: string, limit: number): Promise<Buffer> {
    const upstream = this.o.privateRoute?.noProxy.matches(req.module) ? this.o.privateRoute.upstream : this.o.upstream;
    const res = await upstream.fetch(path);
    return readAll(res.body, limit, `the upstream's ${path}`);
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
