import { Artifact, BadUpstreamContentError, readAll, readThrough } from "./artifact";
import type { ProxyMetrics } from "./metrics";
import { checkModulePath, checkPathMajor, decodeCase, InvalidPathError } from "./module-path";
import { ModulePatterns } from "./private-patterns";
import { withoutUserinfo } from "./redact";
import { isCanonicalModuleVersion } from "./semver";
import { Storage } from "./storage/storage";
import { LookupDisabledError, NotFoundError, Upstream } from "./upstream/upstream";

/**
 * Proxying of checksum databases (go.dev/ref/mod#checksum-database): the go
 * command asks its GOPROXY for "<proxy>/sumdb/<name>/supported" and, on 200,
 * fetches lookups and tiles through the proxy. Clients verify every signed
 * answer themselves, so a proxy cannot forge one; what it adds is reach (the
 * database behind a firewall) and a cache that outlives an upstream outage.
 */

/** Checksum records and tiles are small; a data tile of 256 records stays far below this. */
const MAX_SUMDB_BYTES = 1024 * 1024;

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
/** tile/H/L/NNN, tile/H/data/NNN, with x-prefixed path elements for large indexes and an optional partial width. */
const TILE = /^tile\/[1-9][0-9]?\/(data|[0-9]{1,2})(\/x[0-9]{3})*\/[0-9]{3}(\.p\/[1-9][0-9]{0,2})?$/;

export class GoSumDbError extends Error {}

/**
 * Reads GOSUMDB the way the go command writes it: "name", "name+key" or
 * "name+key url". The key is the client's business (it verifies); the proxy
 * needs the name and, when given, the URL. "off" is refused: serving the
 * database is how this proxy keeps verification on for its clients.
 */
export function parseGoSumDb(value: string): { name: string; url?: string } {
  const [db, url, extra] = value.trim().split(/\s+/);
  if (db === "off") throw new GoSumDbError('"off" would leave clients without checksum verification; leave GOSUMDB unset or name a database');
  if (extra !== undefined) throw new GoSumDbError('expected "name", "name+key" or "name+key url"');
  const name = db.split("+")[0];
  if (!HOST_NAME.test(name)) throw new GoSumDbError(`"${name}" is not a checksum database name`);
  if (url !== undefined) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || !["http:", "https:"].includes(parsed.protocol)) throw new GoSumDbError(`"${withoutUserinfo(url)}" is not an http or https URL`);
    if (parsed.username !== "" || parsed.password !== "") {
      throw new GoSumDbError("the URL carries credentials: put them in the netrc file MODPROXY_VCS_CREDENTIALS_FILE");
    }
  }
  return { name, url };
}

export type SumdbRequest =
  { name: string; kind: "supported" | "latest" | "tile"; file: string } | { name: string; kind: "lookup"; file: string; module: string };

/** Parses the part of a path after "/sumdb/"; throws InvalidPathError for anything a client could not have meant. */
export function parseSumdbRequest(rest: string): SumdbRequest {
  const slash = rest.indexOf("/");
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const file = slash < 0 ? "" : rest.slice(slash + 1);
  if (!HOST_NAME.test(name)) throw new InvalidPathError(`"${name}" is not a checksum database name`);
  if (file === "supported" || file === "latest") return { name, kind: file, file };
  if (TILE.test(file)) return { name, kind: "tile", file };
  const lookup = /^lookup\/(.+)@([^@/]+)$/.exec(file);
  if (lookup) {
    const module = decodeCase(lookup[1]);
    checkModulePath(module);
    const version = decodeCase(lookup[2]);
    if (!isCanonicalModuleVersion(version)) throw new InvalidPathError(`"${version}" is not a canonical module version`);
    checkPathMajor(version, module);
    return { name, kind: "lookup", file, module };
  }
  throw new InvalidPathError(`"${file}" is not supported, latest, lookup/<module>@<version> or a tile`);
}

/** Where one checksum database is reached. */
export interface SumdbRoute {
  upstream: Upstream;
  /** The path of a file of the database at that upstream. */
  pathOf(name: string, file: string): string;
  /** Whether the upstream can be asked for "supported" (a database's own server has no such file). */
  asksSupported: boolean;
}

export interface SumdbSettings {
  /** The one database this proxy serves, when GOSUMDB names one; otherwise any the upstreams serve. */
  onlyName?: string;
  /** How to reach a database by name. */
  route(name: string): SumdbRoute;
  /** GONOSUMDB: modules whose names must not be looked up (they would leak to the database). */
  noSumDb: ModulePatterns;
}

export class SumdbService {
  constructor(
    private readonly storage: Storage,
    private readonly settings: SumdbSettings,
    private readonly metrics: ProxyMetrics,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  async serve(req: SumdbRequest): Promise<Artifact> {
    if (this.settings.onlyName !== undefined && req.name !== this.settings.onlyName) {
      throw new NotFoundError(`this proxy serves the checksum database ${this.settings.onlyName}, not ${req.name}`);
    }
    const key = `sumdb/${req.name}/${req.file}`;
    const kind = `sumdb-${req.kind}`;
    if (req.kind === "supported") return this.supported(req.name);
    if (req.kind === "latest") {
      try {
        const body = await this.fetch(req.name, req.file);
        await this.storage.write(key, body, { overwrite: true });
        return { body, immutable: false };
      } catch (err) {
        const stored = await this.storage.read(key);
        if (!stored) throw err;
        // A signed tree head the client can still verify; it catches up once the database is back.
        this.metrics.cache.inc({ kind, result: "stale" });
        this.log(`serving the cached ${req.name} tree head: ${(err as Error).message}`);
        return { ...stored, immutable: false };
      }
    }
    if (req.kind === "lookup" && this.settings.noSumDb.matches(req.module)) {
      throw new LookupDisabledError(`${req.module} matches GONOSUMDB (${this.settings.noSumDb.source}): it is not looked up in ${req.name}`);
    }
    // A record, like a tile, never changes once the database has published it.
    const { artifact, hit } = await readThrough(this.storage, key, () => this.fetch(req.name, req.file));
    this.metrics.cache.inc({ kind, result: hit ? "hit" : "miss" });
    return artifact;
  }

  /** 200 when the database can be served, through the upstream or from what is stored; else the upstream's failure. */
  private async supported(name: string): Promise<Artifact> {
    const route = this.settings.route(name);
    if (route.asksSupported) {
      try {
        (await route.upstream.fetch(route.pathOf(name, "supported"))).body.resume();
      } catch (err) {
        if (!(await this.storage.stat(`sumdb/${name}/latest`))) throw err;
      }
    }
    return { body: Buffer.alloc(0), immutable: false };
  }

  private async fetch(name: string, file: string): Promise<Buffer> {
    const route = this.settings.route(name);
    const res = await route.upstream.fetch(route.pathOf(name, file));
    const body = await readAll(res.body, MAX_SUMDB_BYTES, `${name} ${file}`);
    if (body.length === 0) throw new BadUpstreamContentError(`${name} ${file} came back empty`);
    return body;
  }
}
