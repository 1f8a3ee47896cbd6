import { PassThrough, Transform } from "node:stream";
import { ModuleRequest, VersionFileRequest, versionFilePath } from "./protocol";
import { decodeCase, encodeCase } from "./module-path";
import { isCanonicalModuleVersion, isPseudoVersion, isValidVersion, latestVersion, compareVersions } from "./semver";
import { Storage } from "./storage/storage";
import { ModulePatterns } from "./private-patterns";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamResponse } from "./upstream/upstream";
import { Artifact, BadUpstreamContentError, readAll, readThrough } from "./artifact";
import type { ProxyMetrics } from "./metrics";

/** Caps on bodies read into memory; zips are streamed and have no cap here. */
const MAX_METADATA_BYTES: Record<"info" | "mod" | "list", number> = {
  info: 64 * 1024,
  list: 16 * 1024 * 1024,
  mod: 16 * 1024 * 1024,
};

/**
 * The proxy's logic: serve from storage, else from the upstream chain while
 * storing, and keep answering from storage when upstreams fail.
 */
export class ModuleService {
  constructor(
    private readonly storage: Storage,
    private readonly upstream: Upstream,
    private readonly metrics: ProxyMetrics,
    private readonly log: (msg: string) => void = () => {},
    /**
     * Modules that must never reach an upstream proxy (GONOPROXY), as their
     * paths would leak private names, and where they come from instead.
     */
    private readonly privateRoute?: { noProxy: ModulePatterns; upstream: Upstream },
  ) {}

  async versionFile(req: VersionFileRequest): Promise<Artifact> {
    const key = versionFilePath(req.encodedModule, req.encodedVersion, req.kind);
    if (!isCanonicalModuleVersion(req.version)) {
      // A query such as a branch name: its answer moves, so it is neither cached nor stored.
      const body = await this.fetchSmall(req, key, "info");
      parseInfo(body, key);
      this.metrics.cache.inc({ kind: req.kind, result: "bypass" });
      return { body, immutable: false };
    }
    if (req.kind === "zip") {
      const stored = await this.storage.read(key);
      this.metrics.cache.inc({ kind: req.kind, result: stored ? "hit" : "miss" });
      return stored ? { ...stored, immutable: true } : this.fetchAndStoreZip(req, key);
    }
    const kind = req.kind;
    const { artifact, hit } = await readThrough(this.storage, key, async () => {
      const body = await this.fetchSmall(req, key, kind);
      if (kind === "info") {
        const info = parseInfo(body, key);
        if (info.Version !== req.version) {
          throw new BadUpstreamContentError(`upstream .info for ${req.version} names version ${info.Version}`);
        }
      }
      return body;
    });
    this.metrics.cache.inc({ kind, result: hit ? "hit" : "miss" });
    return artifact;
  }

  /** Upstream's versions merged with the stored ones; the stored ones alone when upstreams fail. */
  async list(req: ModuleRequest): Promise<string[]> {
    const cached = await this.cachedVersions(req.encodedModule);
    let fromUpstream: string[] = [];
    try {
      const body = await this.fetchSmall(req, `${req.encodedModule}/@v/list`, "list");
      fromUpstream = body
        .toString("utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter(isValidVersion);
    } catch (err) {
      if (!(err instanceof NotFoundError || err instanceof LookupDisabledError)) {
        if (cached.length === 0) throw err;
        this.metrics.cache.inc({ kind: "list", result: "stale" });
        this.log(`serving cached versions of ${req.module}: ${(err as Error).message}`);
      } else if (cached.length === 0) {
        throw err;
      }
    }
    const merged = new Set([...fromUpstream, ...cached.filter((v) => !isPseudoVersion(v))]);
    return [...merged].sort(compareVersions);
  }

  /** Upstream's @latest; when upstreams fail, the latest stored version's .info. */
  async latest(req: ModuleRequest): Promise<Buffer> {
    try {
      const body = await this.fetchSmall(req, `${req.encodedModule}/@latest`, "info");
      parseInfo(body, `${req.module}@latest`);
      return body;
    } catch (err) {
      if (err instanceof BadUpstreamContentError) throw err;
      const best = latestVersion(await this.cachedVersions(req.encodedModule));
      if (best === undefined) throw err;
      this.metrics.cache.inc({ kind: "latest", result: "stale" });
      const stored = await this.storage.read(versionFilePath(req.encodedModule, encodeCase(best), "info"));
      if (stored) return readAll(stored.body, MAX_METADATA_BYTES.info, "stored .info");
      // Only .mod or .zip is stored: the version is all the go command needs.
      return Buffer.from(JSON.stringify({ Version: best }) + "\n");
    }
  }

  private async cachedVersions(encodedModule: string): Promise<string[]> {
    const names = await this.storage.list(`${encodedModule}/@v/`);
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

  /** The upstream chain, unless the module is one that must stay off upstream proxies. */
  private fetchUpstream(req: ModuleRequest, path: string): Promise<UpstreamResponse> {
    if (this.privateRoute?.noProxy.matches(req.module)) return this.privateRoute.upstream.fetch(path);
    return this.upstream.fetch(path);
  }

  private async fetchSmall(req: ModuleRequest, path: string, kind: keyof typeof MAX_METADATA_BYTES): Promise<Buffer> {
    const res = await this.fetchUpstream(req, path);
    return readAll(res.body, MAX_METADATA_BYTES[kind], `upstream ${path}`);
  }

  /**
   * Streams the zip to the client and to storage at once. The client's copy
   * may be dropped (disconnect, HEAD) without stopping the stored one; an
   * upstream error fails both and stores nothing. The client's response ends
   * only once the stored copy is published, so whoever has read a whole zip
   * can count on the next request being served from storage.
   */
  private async fetchAndStoreZip(req: ModuleRequest, key: string): Promise<Artifact> {
    const res = await this.fetchUpstream(req, key);
    const toStorage = new PassThrough();
    const stored = this.storage.write(key, toStorage).then(
      () => this.metrics.stored.inc(),
      (err: Error) => this.log(`not cached ${key}: ${err.message}`),
    );
    const toClient = holdLastChunkUntil(stored);
    res.body.on("error", (err) => {
      toStorage.destroy(err);
      toClient.destroy(err);
    });
    res.body.pipe(toStorage);
    res.body.pipe(toClient);
    return { body: toClient, size: res.size, immutable: true };
  }
}

/**
 * Passes chunks through but keeps the last one back until `release` settles:
 * a client cannot finish reading (Content-Length counts every byte) before then.
 */
function holdLastChunkUntil(release: Promise<unknown>): Transform {
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      release.then(() => done(null, held));
    },
  });
}

function parseInfo(body: Buffer, what: string): { Version: string } {
  let info: unknown;
  try {
    info = JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadUpstreamContentError(`upstream ${what} is not JSON`);
  }
  const version = (info as { Version?: unknown } | null)?.Version;
  if (typeof version !== "string" || !isValidVersion(version)) {
    throw new BadUpstreamContentError(`upstream ${what} has no valid "Version"`);
  }
  return { Version: version };
}
