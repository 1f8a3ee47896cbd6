import { Artifact, readAll, VerificationError } from "./artifact";
import { GoSumDb, HOST_NAME } from "./gosumdb";
import { ChecksumDbUnreachableError, ExpectedHashes } from "./fetcher";
import type { ProxyMetrics } from "./metrics";
import { checkModulePath, checkPathMajor, decodeCase, encodeCase, InvalidPathError } from "./module-path";
import { ModulePatterns } from "./private-patterns";
import { isCanonicalModuleVersion } from "./semver";
import { SingleFlight } from "./single-flight";
import { MemoryTier } from "./memory-tier";
import { Storage } from "./storage/storage";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamError } from "./upstream/upstream";
import {
  openSignedTree,
  parseLookup,
  parseTilePath,
  parseVerifierKey,
  proveConsistency,
  proveRecord,
  recordHashes,
  SumdbVerifyError,
  Tile,
  TILE_HEIGHT,
  tilePath,
  Tree,
  Verifier,
  verifyTile,
} from "./verify/sumdb-verify";

/**
 * Proxying of checksum databases (go.dev/ref/mod#checksum-database): the go
 * command asks its GOPROXY for "<proxy>/sumdb/<name>/supported" and, on 200,
 * fetches lookups and tiles through the proxy. The proxy checks every answer
 * as the go command would (signed tree heads, inclusion proofs, tiles hashing
 * into the tree) before storing it, and proves module hashes against the
 * database before it publishes a module.
 *
 * For clients with an empty module cache to verify everything the proxy
 * holds once the database is gone, the proxy keeps one signed tree head per
 * database (its "pinned" tree, the newest it has verified), every stored
 * record provable in it with stored tiles, and serves lookups with that tree
 * head: a client then needs no tile the proxy does not have.
 */

/** Checksum records and tiles are small; a data tile of 256 records stays far below this. */
const MAX_SUMDB_BYTES = 1024 * 1024;

/** tile/H/L/NNN, tile/H/data/NNN, with x-prefixed path elements for large indexes and an optional partial width. */
const TILE = /^tile\/[1-9][0-9]?\/(data|[0-9]{1,2})(\/x[0-9]{3})*\/[0-9]{3}(\.p\/[1-9][0-9]{0,2})?$/;

export type SumdbRequest =
  | { name: string; kind: "supported" | "latest"; file: string }
  | { name: string; kind: "tile"; file: string; tile: Tile }
  | { name: string; kind: "lookup"; file: string; module: string; version: string };

/** Parses the part of a path after "/sumdb/"; throws InvalidPathError for anything a client could not have meant. */
export function parseSumdbRequest(rest: string): SumdbRequest {
  const slash = rest.indexOf("/");
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const file = slash < 0 ? "" : rest.slice(slash + 1);
  if (!HOST_NAME.test(name)) throw new InvalidPathError(`"${name}" is not a checksum database name`);
  if (file === "supported" || file === "latest") return { name, kind: file, file };
  if (TILE.test(file)) {
    try {
      return { name, kind: "tile", file, tile: parseTilePath(file) };
    } catch (err) {
      throw new InvalidPathError((err as Error).message);
    }
  }
  const lookup = /^lookup\/(.+)@([^@/]+)$/.exec(file);
  if (lookup) {
    const module = decodeCase(lookup[1]);
    checkModulePath(module);
    const version = decodeCase(lookup[2]);
    if (!isCanonicalModuleVersion(version)) throw new InvalidPathError(`"${version}" is not a canonical module version`);
    checkPathMajor(version, module);
    return { name, kind: "lookup", file, module, version };
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
  /** The database modules are verified against (GOSUMDB, or the default one); the only one served when GOSUMDB names it. */
  main: GoSumDb;
  /** True when GOSUMDB named the database: then no other is served. */
  onlyMain: boolean;
  /** How to reach a database by name. */
  route(name: string): SumdbRoute;
  /** GONOSUMDB: modules whose names must not be looked up (they would leak to the database). */
  noSumDb: ModulePatterns;
}

interface Pinned {
  tree: Tree;
  signed: Buffer;
}

/** One database the proxy can check: its verifier and pinned tree. */
class CheckedDb {
  pinned: Pinned | undefined;
  loaded = false;

  constructor(
    readonly name: string,
    readonly verifier: Verifier,
  ) {}
}

export class SumdbService {
  private readonly dbs = new Map<string, CheckedDb>();
  private readonly lookups = new SingleFlight<{ id: number; record: Buffer }>();
  private readonly latestFlights = new SingleFlight<Pinned>();
  private readonly tiles = new SingleFlight<Artifact>();
  /** Serializes changes of a pinned tree, so tiles are fetched for one new tree at a time. */
  private pinning: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly settings: SumdbSettings,
    private readonly metrics: ProxyMetrics,
    private readonly log: (msg: string) => void = () => {},
    /** Where checked tiles are held to be answered from memory. */
    private readonly tier?: MemoryTier,
  ) {
    const { main } = settings;
    if (main.vkey !== undefined) this.dbs.set(main.name, new CheckedDb(main.name, parseVerifierKey(main.vkey)));
  }

  /** The main database's hashes for module@version, proven against its tree; undefined for GONOSUMDB modules. */
  async hashesFor(module: string, version: string): Promise<ExpectedHashes | undefined> {
    if (this.settings.noSumDb.matches(module)) return undefined;
    const db = this.dbs.get(this.settings.main.name);
    if (!db) throw new ChecksumDbUnreachableError(`no verifier key is known for the checksum database ${this.settings.main.name}: set GOSUMDB to name+key`);
    let found;
    try {
      found = await this.record(db, `lookup/${encodeCase(module)}@${encodeCase(version)}`);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new VerificationError(
          "checksum",
          `${module}@${version}: the checksum database ${db.name} has no record of it (a private module needs GONOSUMDB)`,
        );
      }
      throw err;
    }
    try {
      return { ...recordHashes(found.record, module, version), db: db.name };
    } catch (err) {
      throw this.refused(db, `lookup of ${module}@${version}`, err);
    }
  }

  async serve(req: SumdbRequest): Promise<Artifact> {
    if (this.settings.onlyMain && req.name !== this.settings.main.name) {
      throw new NotFoundError(`this proxy serves the checksum database ${this.settings.main.name}, not ${req.name}`);
    }
    const db = this.dbs.get(req.name);
    if (req.kind === "supported") return this.supported(req.name, db);
    if (!db) return this.passThrough(req);
    if (req.kind === "latest") {
      const pinned = await this.latest(db);
      return { body: pinned.signed, immutable: false };
    }
    if (req.kind === "lookup") {
      if (this.settings.noSumDb.matches(req.module)) {
        throw new LookupDisabledError(`${req.module} matches GONOSUMDB (${this.settings.noSumDb.source}): it is not looked up in ${req.name}`);
      }
      const { id, record } = await this.record(db, req.file);
      const pinned = await this.pinnedOf(db);
      if (!pinned) throw new UpstreamError(`no verified tree head of ${db.name}`);
      return { body: Buffer.concat([Buffer.from(`${id}\n`), record, Buffer.from("\n"), pinned.signed]), immutable: false };
    }
    if (req.kind === "tile") return this.tile(db, req.tile, req.file);
    throw new InvalidPathError(`"${req.file}" is not a checksum database file`);
  }

  /** 200 when the database can be served: configured, known, or seen before; else whatever the upstream says. */
  private async supported(name: string, db: CheckedDb | undefined): Promise<Artifact> {
    const ok: Artifact = { body: Buffer.alloc(0), immutable: false };
    if (db) return ok;
    const route = this.settings.route(name);
    if (route.asksSupported) (await route.upstream.fetch(route.pathOf(name, "supported"))).body.resume();
    return ok;
  }

  /** A database whose key the proxy does not know: its answers cannot be checked, so they pass through uncached. */
  private async passThrough(req: SumdbRequest): Promise<Artifact> {
    if (req.kind === "lookup" && this.settings.noSumDb.matches(req.module)) {
      throw new LookupDisabledError(`${req.module} matches GONOSUMDB (${this.settings.noSumDb.source}): it is not looked up in ${req.name}`);
    }
    this.metrics.cache.inc({ kind: `sumdb-${req.kind}`, result: "bypass" });
    return { body: await this.fetch(req.name, req.file), immutable: false };
  }

  /**
   * A record, from storage or the database. A fetched one is proven in the
   * pinned tree (moving the pin forward when the answer's tree is newer) and
   * stored with every tile of its proof.
   */
  private async record(db: CheckedDb, file: string): Promise<{ id: number; record: Buffer }> {
    const key = `sumdb/${db.name}/${file}`;
    const stored = await this.storedBytes(key);
    if (stored) {
      this.metrics.cache.inc({ kind: "sumdb-lookup", result: "hit" });
      const { id, record } = parseLookup(stored, db.verifier);
      return { id, record };
    }
    return this.lookups.run(key, async () => {
      const body = await this.fetch(db.name, file);
      let answer;
      try {
        answer = parseLookup(body, db.verifier);
      } catch (err) {
        throw this.refused(db, file, err);
      }
      // Only moving the pin is serialized; records are proven side by side, each in the tree it got (the tiles a
      // later pin needs for them come with that pin's edge tiles, whichever finishes first).
      const pinned = await this.withPin(() => this.advance(db, { tree: answer.tree, signed: answer.signedTree }));
      await this.proven(db, pinned.tree, (read) => proveRecord(pinned.tree, answer.id, answer.record, read), file);
      await this.storage.write(key, body).catch((err: Error) => this.log(`not cached ${key}: ${err.message}`));
      this.metrics.cache.inc({ kind: "sumdb-lookup", result: "miss" });
      return { id: answer.id, record: answer.record };
    });
  }

  /** The database's newest tree head, verified and pinned; the pinned one when the database cannot be reached. */
  private async latest(db: CheckedDb): Promise<Pinned> {
    try {
      return await this.latestFlights.run(db.name, async () => {
        const signed = await this.fetch(db.name, "latest");
        let tree: Tree;
        try {
          tree = openSignedTree(signed, db.verifier);
        } catch (err) {
          throw this.refused(db, "latest", err);
        }
        return this.withPin(() => this.advance(db, { tree, signed }));
      });
    } catch (err) {
      if (err instanceof VerificationError) throw err;
      const pinned = await this.pinnedOf(db);
      if (!pinned) throw err;
      // A signed tree head the client can still verify; it catches up once the database is back.
      this.metrics.cache.inc({ kind: "sumdb-latest", result: "stale" });
      this.log(`serving the pinned ${db.name} tree head: ${(err as Error).message}`);
      return pinned;
    }
  }

  /** A tile from storage (or a prefix of a wider stored one), else fetched, checked against the pinned tree and stored. */
  private async tile(db: CheckedDb, tile: Tile, file: string): Promise<Artifact> {
    const local = await this.storedTile(db, tile);
    if (local) {
      this.metrics.cache.inc({ kind: "sumdb-tile", result: "hit" });
      this.tier?.add(`sumdb/${db.name}/${file}`, local, undefined);
      return { body: local, size: local.length, immutable: true };
    }
    return this.tiles.run(`${db.name}/${file}`, async () => {
      let pinned = await this.pinnedOf(db);
      if (!pinned || tileEnd(tile) > pinned.tree.n) pinned = await this.latest(db);
      const data = await this.fetch(db.name, file);
      if (tileEnd(tile) > pinned.tree.n) {
        // Newer than any tree head to be had: the client checks it; it is not kept.
        this.metrics.cache.inc({ kind: "sumdb-tile", result: "bypass" });
        return { body: data, immutable: false };
      }
      const tree = pinned.tree;
      await this.proven(db, tree, async (read) => [...(await verifyTile(tree, tile, data, read)), tile], file, new Map([[tilePath(tile), data]]));
      this.metrics.cache.inc({ kind: "sumdb-tile", result: "miss" });
      this.tier?.add(`sumdb/${db.name}/${file}`, data, undefined);
      return { body: data, size: data.length, immutable: true };
    });
  }

  /**
   * Runs a proof whose tiles come from storage or the database. Tiles the
   * database sent are checked whole against `tree` before any is stored, so
   * a tile with one bad hash the proof did not use is still refused.
   */
  private async proven(
    db: CheckedDb,
    tree: Tree,
    prove: (read: (t: Tile) => Promise<Buffer>) => Promise<Tile[]>,
    what: string,
    given = new Map<string, Buffer>(),
  ): Promise<void> {
    const fetched = new Map<string, { tile: Tile; data: Buffer }>([...given].map(([p, data]) => [p, { tile: parseTilePath(p), data }]));
    const read = async (t: Tile): Promise<Buffer> => {
      const p = tilePath(t);
      const known = fetched.get(p)?.data ?? (await this.storedTile(db, t));
      if (known) return known;
      const data = await this.fetch(db.name, p);
      fetched.set(p, { tile: t, data });
      return data;
    };
    try {
      await prove(read);
      const verified = new Set<string>();
      for (let round = 0; verified.size < fetched.size; round++) {
        if (round > 64) throw new SumdbVerifyError("too many tiles to check");
        for (const [p, { tile, data }] of [...fetched]) {
          if (verified.has(p)) continue;
          await verifyTile(tree, tile, data, read);
          verified.add(p);
        }
      }
    } catch (err) {
      throw this.refused(db, what, err);
    }
    for (const [p, { data }] of fetched) {
      const key = `sumdb/${db.name}/${p}`;
      await this.storage.write(key, data).catch((err: Error) => this.log(`not cached ${key}: ${err.message}`));
    }
  }

  /**
   * Moves the pin to `candidate` when it is newer and consistent with it,
   * fetching the tiles that every stored record's proof needs in the new
   * tree; returns the pin. An older candidate must be a prefix of the pin.
   */
  private async advance(db: CheckedDb, candidate: Pinned): Promise<Pinned> {
    const current = await this.pinnedOf(db);
    if (current && candidate.tree.n <= current.tree.n) {
      if (candidate.tree.n === current.tree.n && !candidate.tree.hash.equals(current.tree.hash)) {
        throw this.refused(db, "latest", new SumdbVerifyError(`two different trees of size ${current.tree.n}: the database forked`));
      }
      await this.proven(db, current.tree, (read) => proveConsistency(candidate.tree, current.tree, read), "tile");
      return current;
    }
    const next = candidate.tree;
    await this.proven(
      db,
      next,
      async (read) => {
        const used = current ? await proveConsistency(current.tree, next, read) : [];
        for (const t of edgeTiles(next, current?.tree)) {
          used.push(t);
          await read(t);
        }
        return used;
      },
      "tile",
    );
    await this.storage.write(`sumdb/${db.name}/latest`, candidate.signed, { overwrite: true });
    db.pinned = candidate;
    return candidate;
  }

  private withPin<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.pinning.then(fn, fn);
    this.pinning = run.catch(() => {});
    return run;
  }

  private async pinnedOf(db: CheckedDb): Promise<Pinned | undefined> {
    if (!db.loaded) {
      const signed = await this.storedBytes(`sumdb/${db.name}/latest`);
      if (signed && !db.pinned) {
        try {
          db.pinned = { tree: openSignedTree(signed, db.verifier), signed };
        } catch (err) {
          this.log(`ignoring the stored ${db.name} tree head: ${(err as Error).message}`);
        }
      }
      db.loaded = true;
    }
    return db.pinned;
  }

  /** A stored tile, or the first hashes of a wider stored copy of it (a partial tile is a prefix of any wider one). */
  private async storedTile(db: CheckedDb, tile: Tile): Promise<Buffer | undefined> {
    const exact = await this.storedBytes(`sumdb/${db.name}/${tilePath(tile)}`);
    if (exact || tile.l < 0) return exact;
    const full = 1 << tile.h;
    const want = tile.w * 32;
    if (tile.w < full) {
      const whole = await this.storedBytes(`sumdb/${db.name}/${tilePath({ ...tile, w: full })}`);
      if (whole) return whole.subarray(0, want);
      const dir = `sumdb/${db.name}/${tilePath({ ...tile, w: full })}.p/`;
      const widths = (await this.storage.list(dir).catch(() => [])).map(Number).filter((w) => w > tile.w);
      if (widths.length > 0) return (await this.storedBytes(`${dir}${Math.min(...widths)}`))?.subarray(0, want);
    }
    return undefined;
  }

  private async storedBytes(key: string): Promise<Buffer | undefined> {
    const obj = await this.storage.read(key);
    return obj && readAll(obj.body, MAX_SUMDB_BYTES, `stored ${key}`);
  }

  private async fetch(name: string, file: string): Promise<Buffer> {
    const route = this.settings.route(name);
    let body: Buffer;
    try {
      const res = await route.upstream.fetch(route.pathOf(name, file));
      body = await readAll(res.body, MAX_SUMDB_BYTES, `${name} ${file}`);
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof LookupDisabledError || !(err instanceof UpstreamError)) throw err;
      throw new ChecksumDbUnreachableError(`the checksum database ${name} cannot be reached: ${(err as Error).message}`);
    }
    if (body.length === 0) throw new VerificationError("sumdb", `${name} ${file} came back empty`);
    return body;
  }

  private refused(db: CheckedDb, what: string, err: unknown): Error {
    if (!(err instanceof SumdbVerifyError)) return err as Error;
    this.metrics.verificationFailures.inc({ check: "sumdb" });
    const answer = { lookup: "a lookup", tile: "a tile", latest: "a tree head" }[what.split(/[/ ]/)[0]] ?? "an answer";
    return new VerificationError("sumdb", `the checksum database ${db.name} sent ${answer} that does not verify: ${err.message}`);
  }
}

/** One past the last record a tile covers, in records. */
function tileEnd(t: Tile): number {
  const level = t.l < 0 ? 0 : t.l;
  return (t.n * (1 << t.h) + t.w) * 2 ** (level * t.h);
}

/**
 * Tiles a client proving records in `tree` may need beyond the consistency
 * proof: at each level, the tile at the tree's right edge, and the one that
 * was the edge of the previous pin (full now, or wider).
 */
function edgeTiles(tree: Tree, previous: Tree | undefined): Tile[] {
  const h = TILE_HEIGHT;
  const tiles = new Map<string, Tile>();
  for (let level = 0; tree.n >= 2 ** (level * h) && level < 8; level++) {
    const count = Math.floor(tree.n / 2 ** (level * h));
    const add = (index: number) => {
      const w = Math.min(1 << h, count - index * (1 << h));
      if (w > 0) {
        const t = { h, l: level, n: index, w };
        tiles.set(tilePath(t), t);
      }
    };
    add(Math.floor((count - 1) / (1 << h)));
    if (previous) {
      const before = Math.floor(previous.n / 2 ** (level * h));
      if (before > 0) add(Math.floor((before - 1) / (1 << h)));
    }
  }
  return [...tiles.values()];
}
