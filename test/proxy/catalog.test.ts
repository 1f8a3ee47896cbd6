import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { TokenAuthenticator } from "../../proxy-app/src/auth";
import { Catalog } from "../../proxy-app/src/catalog";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { createRequestHandler, HandlerDeps } from "../../proxy-app/src/server";
import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { Storage, StoredEntry } from "../../proxy-app/src/storage/storage";
import { VersionSpec, versionObjects } from "../support/stored-versions";

const HOUR = 3600_000;
const T0 = Date.parse("2026-06-01T00:00:00Z");

/** A memory store whose clock the test moves, so each version has its own first-cached time. */
async function storeOf(specs: (VersionSpec & { storedAt?: number })[]): Promise<{ storage: MemoryStorage; clock: { now: number } }> {
  const clock = { now: T0 };
  const storage = new MemoryStorage(() => clock.now);
  for (const spec of specs) {
    if (spec.storedAt !== undefined) clock.now = spec.storedAt;
    for (const [key, body] of versionObjects(spec)) await storage.write(key, body, { overwrite: true });
  }
  return { storage, clock };
}

/** Counts reads, and can hold the store walk back to look slow. */
function watched(storage: Storage): { storage: Storage; reads: string[]; slowWalkMs: number } {
  const w = { reads: [] as string[], slowWalkMs: 0, storage: undefined as unknown as Storage };
  w.storage = Object.assign(Object.create(storage) as Storage, {
    read: (key: string) => (w.reads.push(key), storage.read(key)),
    entries: async function* (prefix: string): AsyncIterable<StoredEntry> {
      if (w.slowWalkMs > 0) await new Promise((r) => setTimeout(r, w.slowWalkMs));
      yield* storage.entries(prefix);
    },
  });
  return w;
}

const SPECS: (VersionSpec & { storedAt?: number })[] = [
  { module: "example.com/b", version: "v1.2.0", zipBytes: 5000, checksum: "verified", access: { at: T0 + 5 * HOUR, hits: 7 }, storedAt: T0 + 2 * HOUR },
  { module: "example.com/b", version: "v1.10.0", zipBytes: 100, checksum: "verified", storedAt: T0 + 1 * HOUR },
  { module: "example.com/Upper", version: "v0.1.0", zipBytes: 10, checksum: "unverified", storedAt: T0 + 3 * HOUR },
  { module: "git.corp.example/private", version: "v2.0.0+incompatible", zipBytes: 10, checksum: "not-looked-up", storedAt: T0 },
  { module: "example.com/old", version: "v0.0.1", zipBytes: 10, checksum: "unrecorded", storedAt: T0 + 4 * HOUR },
  // Only its .mod (a go.sum "/go.mod" line), verified.
  { module: "example.com/modonly", version: "v1.0.0", checksum: "verified", storedAt: T0 + 4 * HOUR },
];

describe("catalog", () => {
  it("describes each stored version: files, bytes, first cached, last requested, hits, verification", async () => {
    const { storage } = await storeOf(SPECS);
    // Not versions: a cached list, a checksum-database tile.
    await storage.write("example.com/b/@v/list", Buffer.from("v1.2.0\n"));
    await storage.write("sumdb/sum.golang.org/tile/8/0/000", Buffer.alloc(10));
    const snap = await new Catalog(storage).current();
    const rows = snap.versions.map((v) => [v.module, v.version, v.files.join(" "), v.status, v.hits, v.lastAccess, v.firstCached]);
    assert.deepEqual(rows, [
      ["example.com/Upper", "v0.1.0", "info mod zip", "unverified", 0, undefined, T0 + 3 * HOUR],
      // Newest first within a module, by semver, not by text.
      ["example.com/b", "v1.10.0", "info mod zip", "verified", 0, undefined, T0 + HOUR],
      ["example.com/b", "v1.2.0", "info mod zip", "verified", 7, T0 + 5 * HOUR, T0 + 2 * HOUR],
      ["example.com/modonly", "v1.0.0", "info mod", "verified", 0, undefined, T0 + 4 * HOUR],
      ["example.com/old", "v0.0.1", "info mod zip", "unrecorded", 0, undefined, T0 + 4 * HOUR],
      ["git.corp.example/private", "v2.0.0+incompatible", "info mod zip", "not-looked-up", 0, undefined, T0],
    ]);
    const b12 = snap.versions[2];
    let expected = 0;
    for await (const e of storage.entries("example.com/b/@v/")) if (e.key.startsWith("example.com/b/@v/v1.2.0.")) expected += e.size;
    assert.equal(b12.bytes, expected);
    assert.ok(b12.bytes > 5000);
    assert.deepEqual(
      snap.byTime.map((v) => v.version),
      ["v2.0.0+incompatible", "v1.10.0", "v1.2.0", "v0.1.0", "v1.0.0", "v0.0.1"],
    );
  });

  it("keeps a snapshot for its TTL, then reads only the records and stamps that changed", async () => {
    const { storage, clock } = await storeOf(SPECS);
    const w = watched(storage);
    const catalog = new Catalog(w.storage, { ttlMs: 10_000, now: () => clock.now });
    const first = await catalog.current();
    assert.ok(w.reads.length >= 10, `the first snapshot reads every record and stamp (${w.reads.length})`);
    w.reads.length = 0;
    clock.now += 5_000;
    // A version stored meanwhile does not show within the TTL.
    for (const [key, body] of versionObjects({ module: "example.com/new", version: "v1.0.0", zipBytes: 1, checksum: "verified" }))
      await storage.write(key, body);
    assert.equal(await catalog.current(), first);
    clock.now += 6_000;
    // Its stamp rewritten meanwhile: that one is read again, and the new version's records.
    await storage.write("example.com/b/@v/v1.2.0.access", versionObjects({ ...SPECS[0], access: { at: clock.now, hits: 9 } }).at(-1)![1], { overwrite: true });
    const second = await catalog.current();
    assert.notEqual(second, first);
    assert.deepEqual(w.reads.sort(), ["example.com/b/@v/v1.2.0.access", "example.com/new/@v/v1.0.0.mod.meta", "example.com/new/@v/v1.0.0.zip.meta"]);
    assert.equal(second.versions.find((v) => v.version === "v1.2.0")?.hits, 9);
    assert.ok(second.versions.some((v) => v.module === "example.com/new"));
  });

  it("keeps a snapshot that was slow to make ten times as long as it took", async () => {
    const { storage, clock } = await storeOf(SPECS);
    // Each walk of the store takes 3 s of the test's clock.
    const slow: Storage = Object.assign(Object.create(storage) as Storage, {
      entries: async function* (prefix: string): AsyncIterable<StoredEntry> {
        clock.now += 3_000;
        yield* storage.entries(prefix);
      },
    });
    const catalog = new Catalog(slow, { ttlMs: 10_000, now: () => clock.now });
    const first = await catalog.current();
    assert.equal(first.ms, 3_000);
    clock.now += 29_000;
    assert.equal(await catalog.current(), first);
    clock.now += 2_000;
    assert.notEqual(await catalog.current(), first);
  });

  it("answers from the last snapshot while a new walk is slow, and with the new one once it is done", async () => {
    const { storage, clock } = await storeOf(SPECS);
    const w = watched(storage);
    const catalog = new Catalog(w.storage, { ttlMs: 0, staleAfterMs: 20, now: () => clock.now });
    const first = await catalog.current();
    await storage.delete("example.com/old/@v/v0.0.1.zip");
    await storage.delete("example.com/old/@v/v0.0.1.mod");
    await storage.delete("example.com/old/@v/v0.0.1.info");
    w.slowWalkMs = 200;
    clock.now += 1;
    assert.equal(await catalog.current(), first, "the old snapshot, at once");
    await new Promise((r) => setTimeout(r, 300));
    w.slowWalkMs = 0;
    clock.now += 1;
    const now = await catalog.current();
    assert.ok(!now.versions.some((v) => v.module === "example.com/old"), "the removed version is gone");
  });
});

describe("catalog over HTTP", () => {
  let server: http.Server;
  let base: string;
  let dir: string;
  const TOKEN = "s3cret-token";

  before(async () => {
    const specs: (VersionSpec & { storedAt?: number })[] = [...SPECS];
    for (let i = 0; i < 250; i++) {
      specs.push({
        module: `example.com/many/m${String(i).padStart(3, "0")}`,
        version: "v1.0.0",
        zipBytes: 10,
        checksum: "verified",
        storedAt: T0 + 10 * HOUR + i * 1000,
      });
    }
    specs.push({ module: 'example.com/<script>alert("x")</script>', version: "v1.0.0", zipBytes: 10, checksum: "verified", storedAt: T0 + 20 * HOUR });
    const { storage } = await storeOf(specs);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-catalog-"));
    await fs.writeFile(path.join(dir, "tokens"), `${TOKEN}\n`);
    const deps = {
      storage,
      metrics: new ProxyMetrics(),
      log: () => {},
      auth: await TokenAuthenticator.fromFile(path.join(dir, "tokens")),
      catalog: new Catalog(storage),
    } as unknown as HandlerDeps;
    server = http.createServer(createRequestHandler(deps));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });

  const get = (p: string, token: string | null = TOKEN) =>
    fetch(base + p, { headers: token === null ? {} : { Authorization: `Bearer ${token}` }, redirect: "manual" });

  it("refuses the page, the JSON and the feed without a token, as it does modules", async () => {
    for (const p of ["/ui/", "/catalog", "/index"]) {
      assert.equal((await get(p, null)).status, 401, p);
      assert.equal((await get(p, "wrong")).status, 401, p);
    }
  });

  it("pages /catalog and filters it by module path on the server", async () => {
    const res = await get("/catalog?limit=100&offset=200");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /application\/json/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const page = (await res.json()) as { total: number; modules: number; offset: number; versions: { path: string; verification: string; size: number }[] };
    assert.equal(page.total, 257);
    assert.equal(page.modules, 256);
    assert.equal(page.versions.length, 57);
    // Before the many: the <script> path, Upper, b (two versions).
    assert.equal(page.versions[0].path, "example.com/many/m196");
    const found = (await (await get("/catalog?q=MANY/m24")).json()) as typeof page;
    assert.deepEqual(
      found.versions.map((v) => v.path),
      [
        "example.com/many/m240",
        "example.com/many/m241",
        "example.com/many/m242",
        "example.com/many/m243",
        "example.com/many/m244",
        "example.com/many/m245",
        "example.com/many/m246",
        "example.com/many/m247",
        "example.com/many/m248",
        "example.com/many/m249",
      ],
    );
    const b = (await (await get("/catalog?q=example.com/b@v1.2")).json()) as { versions: Record<string, unknown>[] };
    assert.deepEqual(b.versions, [
      {
        path: "example.com/b",
        version: "v1.2.0",
        files: ["info", "mod", "zip"],
        size: b.versions[0].size,
        firstCached: "2026-06-01T02:00:00.000Z",
        lastRequested: "2026-06-01T05:00:00.000Z",
        hits: 7,
        verification: "verified",
      },
    ]);
    for (const bad of ["limit=0", "limit=1001", "offset=-1", "limit=ten"]) {
      const r = await get(`/catalog?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.match(await r.text(), /must be a whole number/);
    }
  });

  it("feeds /index like the public module index: JSON lines by time from since, at most limit", async () => {
    const res = await get("/index?since=2026-06-01T10:00:01Z&limit=3");
    assert.equal(res.status, 200);
    const lines = (await res.text()).trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as unknown),
      [
        { Path: "example.com/many/m001", Version: "v1.0.0", Timestamp: "2026-06-01T10:00:01.000Z" },
        { Path: "example.com/many/m002", Version: "v1.0.0", Timestamp: "2026-06-01T10:00:02.000Z" },
        { Path: "example.com/many/m003", Version: "v1.0.0", Timestamp: "2026-06-01T10:00:03.000Z" },
      ],
    );
    const all = (await (await get("/index")).text()).trimEnd().split("\n");
    assert.equal(all.length, 257);
    assert.equal((JSON.parse(all[0]) as { Path: string }).Path, "git.corp.example/private");
    const offset = await get("/index?since=2026-06-01T11:00:00.5%2B01:00");
    assert.equal((JSON.parse((await offset.text()).split("\n")[0]) as { Path: string }).Path, "example.com/many/m001");
    for (const bad of ["since=yesterday", "since=2026-06-01", "limit=2001"]) {
      const r = await get(`/index?${bad}`);
      assert.equal(r.status, 400, bad);
    }
  });

  it("renders the page with every stored text escaped and no script", async () => {
    const res = await get("/ui/?q=script");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy")!, /default-src 'none'/);
    const html = await res.text();
    assert.ok(html.includes("example.com/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), html);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /1 version of 1 module/);
    assert.match(html, /value="script"/);
    const redirect = await get("/ui");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/ui/");
  });
});
