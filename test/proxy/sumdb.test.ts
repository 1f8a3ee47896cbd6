import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { InvalidPathError } from "../../proxy-app/src/module-path";
import { ModulePatterns } from "../../proxy-app/src/private-patterns";
import { DiskStorage } from "../../proxy-app/src/storage/disk";
import { GoSumDbError, parseGoSumDb, parseSumdbRequest, SumdbService } from "../../proxy-app/src/sumdb";
import { LookupDisabledError, NotFoundError, UpstreamError } from "../../proxy-app/src/upstream/upstream";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest } from "../support/raw-http";
import { ScriptedUpstream } from "../support/scripted-upstream";

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
    assert.deepEqual(parseGoSumDb("sum.example.com"), { name: "sum.example.com", url: undefined });
    assert.deepEqual(parseGoSumDb("sum.example.com+abcd1234+AQID https://mirror.example.com/sumdb"), {
      name: "sum.example.com",
      url: "https://mirror.example.com/sumdb",
    });
    for (const bad of ["off", "a b c", "not_a_host+key", "sum.example.com+k ftp://x"]) assert.throws(() => parseGoSumDb(bad), GoSumDbError, bad);
  });
});

describe("SumdbService", () => {
  let dir: string;
  let storage: DiskStorage;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-sumdb-"));
    storage = await new DiskStorage(dir).init();
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const service = (upstream: ScriptedUpstream, extra: { onlyName?: string; noSumDb?: string } = {}) =>
    new SumdbService(
      storage,
      {
        onlyName: extra.onlyName,
        route: () => ({ upstream, pathOf: (name, file) => `sumdb/${name}/${file}`, asksSupported: true }),
        noSumDb: new ModulePatterns(extra.noSumDb ?? ""),
      },
      new ProxyMetrics(),
    );

  it("caches lookups and tiles for good and asks the upstream once", async () => {
    const up = new ScriptedUpstream("up", (p) => `answer for ${p}`);
    const s = service(up);
    for (let i = 0; i < 2; i++) {
      assert.equal(
        await text((await s.serve(parseSumdbRequest("sum.example.com/lookup/example.com/m@v1.0.0"))).body),
        "answer for sumdb/sum.example.com/lookup/example.com/m@v1.0.0",
      );
      assert.equal(await text((await s.serve(parseSumdbRequest("sum.example.com/tile/8/0/000"))).body), "answer for sumdb/sum.example.com/tile/8/0/000");
    }
    assert.deepEqual(up.asked, ["sumdb/sum.example.com/lookup/example.com/m@v1.0.0", "sumdb/sum.example.com/tile/8/0/000"]);
  });

  it("serves the last tree head and says supported while the database is unreachable", async () => {
    let down = false;
    const up = new ScriptedUpstream("up", (p) => (down ? new UpstreamError("connection refused") : `head via ${p}`));
    const s = service(up);
    await assert.rejects(
      async () => {
        down = true;
        await s.serve(parseSumdbRequest("sum.example.com/supported"));
      },
      UpstreamError,
      "nothing cached yet: the failure shows",
    );
    down = false;
    assert.equal(await text((await s.serve(parseSumdbRequest("sum.example.com/latest"))).body), "head via sumdb/sum.example.com/latest");
    down = true;
    const stale = await s.serve(parseSumdbRequest("sum.example.com/latest"));
    assert.equal(await text(stale.body), "head via sumdb/sum.example.com/latest");
    assert.equal(stale.immutable, false);
    assert.equal((await s.serve(parseSumdbRequest("sum.example.com/supported"))).immutable, false);
  });

  it("never looks up GONOSUMDB modules and serves only the database GOSUMDB names", async () => {
    const up = new ScriptedUpstream("up", () => "x");
    const s = service(up, { onlyName: "sum.example.com", noSumDb: "example.com/private" });
    await assert.rejects(s.serve(parseSumdbRequest("sum.example.com/lookup/example.com/private/tool@v1.0.0")), LookupDisabledError);
    await assert.rejects(s.serve(parseSumdbRequest("other.example.com/latest")), NotFoundError);
    assert.deepEqual(up.asked, []);
  });

  it("passes a database's 404 on, so the go command goes to the database itself", async () => {
    const s = service(new ScriptedUpstream("up", () => new NotFoundError("no sumdb here")));
    await assert.rejects(s.serve(parseSumdbRequest("sum.example.com/supported")), NotFoundError);
  });
});

describe("a proxy given only GONOPROXY", function () {
  let env: ModproxyOverFixtures | undefined;
  afterEach(async () => env?.stop());

  it("does not look those modules up in a checksum database either", async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, config: { goNoProxy: "example.com/fixture/app-lib" } });
    const r = await rawRequest(env.proxy.url, "/sumdb/sum.example.com/lookup/example.com/fixture/app-lib@v1.0.0");
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /matches GONOSUMDB \(example\.com\/fixture\/app-lib\)/);
    assert.deepEqual(env.upstream.requests, [], "nothing about the module reached the upstream");
  });
});
