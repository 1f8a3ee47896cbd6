import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { InvalidPathError } from "../../proxy-app/src/module-path";
import { ModulePatterns } from "../../proxy-app/src/private-patterns";
import { DiskStorage } from "../../proxy-app/src/storage/disk";
import { DEFAULT_SUMDB_VERIFIER_KEY } from "../../proxy-app/src/verify/sumdb-verify";
import { GoSumDbError, parseGoSumDb } from "../../proxy-app/src/gosumdb";
import { parseSumdbRequest, SumdbService } from "../../proxy-app/src/sumdb";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamConnectionError, UpstreamError, UpstreamResponse } from "../../proxy-app/src/upstream/upstream";
import { openSignedTree, parseLookup, parseVerifierKey } from "../../proxy-app/src/verify/sumdb-verify";
import { startTestSumdb, SumdbRecord, TestSumdb } from "../support/sumdb";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest } from "../support/raw-http";

async function text(body: Readable | Buffer): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString();
  let s = "";
  for await (const c of body) s += c;
  return s;
}

describe("checksum database requests", () => {
  it("parses supported, latest, lookups and tiles", () => {
    assert.deepEqual(parseSumdbRequest("sum.example.com/supported"), { name: "sum.example.com", kind: "supported", file: "supported" });
    assert.deepEqual(parseSumdbRequest("sum.example.com/lookup/example.com/!foo@v1.0.0"), {
      name: "sum.example.com",
      kind: "lookup",
      file: "lookup/example.com/!foo@v1.0.0",
      module: "example.com/Foo",
      version: "v1.0.0",
    });
    for (const lookup of ["example.com/foo/v2@v2.1.0", "example.com/foo@v2.0.0+incompatible", "gopkg.in/yaml.v3@v3.0.1"]) {
      assert.equal(parseSumdbRequest(`sum.example.com/lookup/${lookup}`).kind, "lookup", lookup);
    }
    for (const tile of ["tile/8/0/000", "tile/8/1/x123/456", "tile/8/data/000.p/13", "tile/8/0/x001/x234/067.p/255"]) {
      assert.equal(parseSumdbRequest(`sum.example.com/${tile}`).kind, "tile", tile);
    }
  });

  for (const bad of [
    "",
    "sum.example.com",
    "Sum.Example.com/latest",
    "sum/latest",
    "sum.example.com/../x",
    "sum.example.com/tile/8/0/00",
    "sum.example.com/tile/8/0/000.p/0",
    "sum.example.com/tile/../../x",
    "sum.example.com/lookup/example.com/Foo@v1.0.0",
    "sum.example.com/lookup/example.com/foo@v1",
    "sum.example.com/lookup/example.com/aux@v1.0.0",
    "sum.example.com/lookup/example.com/foo/v2@v3.0.0",
    "sum.example.com/lookup/example.com/foo@v2.0.0",
    "sum.example.com/lookup/gopkg.in/foo@v1.0.0",
    "sum.example.com/other",
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseSumdbRequest(bad), InvalidPathError));
  }

  it("reads GOSUMDB like the go command and refuses off", () => {
    assert.deepEqual(parseGoSumDb("sum.example.com"), { name: "sum.example.com", vkey: undefined, url: undefined });
    assert.equal(parseGoSumDb("sum.golang.org").vkey, DEFAULT_SUMDB_VERIFIER_KEY, "the default database's key is known");
    const vkey = "sum.example.com+7b0f9a2c+AU1MZcIUS6O8rZtFfT4/8V7tH8Qv1oj7h33AoF3eUuNN";
    assert.throws(() => parseGoSumDb(vkey), GoSumDbError, "a key whose hash does not match is refused");
    for (const bad of ["off", "a b c", "not_a_host+key", "sum.example.com+k ftp://x", "sum.example.com+abcd1234+AQID"])
      assert.throws(() => parseGoSumDb(bad), GoSumDbError, bad);
  });
});

describe("SumdbService against a real checksum database", function () {
  let dir: string;
  let storage: DiskStorage;
  let db: TestSumdb;
  /** What the database's upstream does: pass requests on, fail, or alter answers. */
  let fault: "none" | "down" | "flip-tile" | "cut-tile" | "flip-lookup";
  let asked: string[];

  // 300 records: a tree with full level-0 tiles and a partial one on top.
  const records: SumdbRecord[] = Array.from({ length: 300 }, (_, i) => ({
    module: `example.com/m${i}`,
    version: "v1.0.0",
    goSumLines: [`example.com/m${i} v1.0.0 h1:${zipHash(i)}`, `example.com/m${i} v1.0.0/go.mod h1:${zipHash(i + 1000)}`],
  }));

  function zipHash(i: number): string {
    return Buffer.alloc(32, i % 256).toString("base64");
  }

  const upstream: Upstream = {
    name: "test database",
    async fetch(p: string): Promise<UpstreamResponse> {
      asked.push(p);
      if (fault === "down") throw new UpstreamConnectionError("connection refused");
      const file = p.slice(`sumdb/${db.name}/`.length);
      const res = await fetch(`${db.url}/${file}`);
      if (res.status === 404) throw new NotFoundError(`not found: ${file}`);
      let body = Buffer.from(await res.arrayBuffer());
      if (file.startsWith("tile/") && fault === "flip-tile") body[body.length - 1] ^= 1;
      if (file.startsWith("tile/") && fault === "cut-tile") body = body.subarray(0, body.length - 32);
      if (file.startsWith("lookup/") && fault === "flip-lookup") body = Buffer.from(body.toString().replace("h1:", "h1:A"));
      return { body: Readable.from([body]), size: body.length };
    },
  };

  const service = (extra: { noSumDb?: string } = {}) =>
    new SumdbService(
      storage,
      {
        main: parseGoSumDb(db.vkey),
        onlyMain: true,
        route: () => ({ upstream, pathOf: (name, file) => `sumdb/${name}/${file}`, asksSupported: true }),
        noSumDb: new ModulePatterns(extra.noSumDb ?? ""),
      },
      new ProxyMetrics(),
    );

  before(async function () {
    db = await startTestSumdb(records);
  });
  after(async () => db?.close());
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-sumdb-"));
    storage = await new DiskStorage(dir).init();
    fault = "none";
    asked = [];
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("proves a record before giving its hashes, and answers it again from storage", async () => {
    const s = service();
    assert.deepEqual(await s.hashesFor("example.com/m7", "v1.0.0"), { zip: `h1:${zipHash(7)}`, mod: `h1:${zipHash(1007)}`, db: db.name });
    assert.ok(
      asked.some((p) => p.includes("/tile/")),
      "the proof read tiles",
    );
    const before = asked.length;
    assert.deepEqual(await service().hashesFor("example.com/m7", "v1.0.0"), { zip: `h1:${zipHash(7)}`, mod: `h1:${zipHash(1007)}`, db: db.name });
    assert.equal(asked.length, before, "a restarted service answers from storage");
  });

  it("serves a stored lookup with its pinned tree head, which verifies, while the database is down", async () => {
    const s = service();
    await s.hashesFor("example.com/m7", "v1.0.0");
    fault = "down";
    const lookup = await s.serve(parseSumdbRequest(`${db.name}/lookup/example.com/m7@v1.0.0`));
    const answer = parseLookup(Buffer.from(await text(lookup.body)), parseVerifierKey(db.vkey));
    assert.equal(answer.tree.n, records.length);
    assert.equal((await s.serve(parseSumdbRequest(`${db.name}/supported`))).immutable, false);
    assert.equal(
      openSignedTree(Buffer.from(await text((await s.serve(parseSumdbRequest(`${db.name}/latest`))).body)), parseVerifierKey(db.vkey)).n,
      records.length,
    );
  });

  for (const f of ["flip-tile", "cut-tile", "flip-lookup"] as const) {
    it(`refuses and stores nothing of a database answer altered by ${f}, then heals`, async () => {
      const s = service();
      fault = f;
      await assert.rejects(s.hashesFor("example.com/m7", "v1.0.0"), /does not verify|came back empty/);
      const stored = await storedUnder(dir, "sumdb");
      assert.ok(!stored.some((k) => k.includes("lookup/")), "no lookup stored");
      if (f !== "flip-lookup") assert.ok(!stored.some((k) => k.includes("tile/")), "no tile stored");
      fault = "none";
      assert.equal((await s.hashesFor("example.com/m7", "v1.0.0"))?.zip, `h1:${zipHash(7)}`);
    });
  }

  it("refuses a tile a client asks for when it does not hash into the tree, and stores it when it does", async () => {
    const s = service();
    await s.hashesFor("example.com/m7", "v1.0.0");
    // The proof read every hash tile of this small tree; the data tile it did not need.
    fault = "flip-tile";
    await assert.rejects(s.serve(parseSumdbRequest(`${db.name}/tile/8/data/000`)), /does not verify/);
    fault = "none";
    const tile = await text((await s.serve(parseSumdbRequest(`${db.name}/tile/8/data/000`))).body);
    assert.match(tile, /^example\.com\/m0 v1\.0\.0 h1:/);
    fault = "down";
    assert.equal(await text((await s.serve(parseSumdbRequest(`${db.name}/tile/8/data/000`))).body), tile);
  });

  it("never looks up GONOSUMDB modules and serves only the database GOSUMDB names", async () => {
    const s = service({ noSumDb: "example.com/private" });
    await assert.rejects(s.serve(parseSumdbRequest(`${db.name}/lookup/example.com/private/tool@v1.0.0`)), LookupDisabledError);
    assert.equal(await s.hashesFor("example.com/private/tool", "v1.0.0"), undefined);
    await assert.rejects(s.serve(parseSumdbRequest("other.example.com/latest")), NotFoundError);
    assert.deepEqual(asked, []);
  });

  it("says a version the database does not know has no record", async () => {
    await assert.rejects(
      service().hashesFor("example.com/unknown", "v1.0.0"),
      (err: Error) => err instanceof UpstreamError && /has no record/.test(err.message),
    );
  });
});

async function storedUnder(root: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  }
  await walk(path.join(root, sub), "");
  return out.sort();
}

describe("a proxy given only GONOPROXY", function () {
  let env: ModproxyOverFixtures | undefined;
  afterEach(async () => env?.stop());

  it("does not look those modules up in a checksum database either", async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, config: { goNoProxy: "example.com/fixture/app-lib" } });
    const r = await rawRequest(env.proxy.url, `/sumdb/${env.sumdb!.name}/lookup/example.com/fixture/app-lib@v1.0.0`);
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /matches GONOSUMDB \(example\.com\/fixture\/app-lib\)/);
    assert.deepEqual(env.upstream.requests, [], "nothing about the module reached the upstream");
  });
});
