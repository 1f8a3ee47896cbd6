import * as assert from "node:assert/strict";
import http from "node:http";
import { AddressInfo } from "node:net";
import { MemoryTier } from "../../proxy-app/src/memory-tier";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { createRequestHandler, HandlerDeps } from "../../proxy-app/src/server";
import { AccessRecorder, accessStamp, parseAccessStamp } from "../../proxy-app/src/access";
import { collectGarbage, GcOptions, PinList } from "../../proxy-app/src/gc";
import { parseSize } from "../../proxy-app/src/size";
import { encodeCase } from "../../proxy-app/src/module-path";
import { parseModuleRequest, VersionFileRequest } from "../../proxy-app/src/protocol";
import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { Storage } from "../../proxy-app/src/storage/storage";

const DAY = 24 * 3600_000;
const NOW = Date.parse("2026-06-01T00:00:00Z");

/** Stores a version's three files with records, `bytes` in its zip, last served `daysAgo` (none: never stamped). */
async function storeVersion(storage: Storage, module: string, version: string, zipBytes: number, daysAgo?: number): Promise<void> {
  const base = `${encodeCase(module)}/@v/${encodeCase(version)}`;
  for (const [kind, body] of [
    ["info", Buffer.from(`{"Version":"${version}"}\n`)],
    ["mod", Buffer.from(`module ${module}\n`)],
    ["zip", Buffer.alloc(zipBytes)],
  ] as const) {
    await storage.write(`${base}.${kind}`, body);
    await storage.write(`${base}.${kind}.meta`, Buffer.from("{}\n"));
  }
  if (daysAgo !== undefined) await storage.write(`${base}.access`, accessStamp(NOW - daysAgo * DAY));
}

async function allKeys(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of storage.entries("")) keys.push(key);
  return keys.sort();
}

const gc = (storage: Storage, o: Partial<GcOptions>) => collectGarbage(storage, { pins: PinList.none(), delete: false, now: NOW, ...o });
const names = (s: Awaited<ReturnType<typeof gc>>) => s.removed.map((r) => `${r.version.module}@${r.version.version}`);

describe("modproxy gc", () => {
  let storage: MemoryStorage;
  beforeEach(async () => {
    storage = new MemoryStorage();
    await storeVersion(storage, "example.com/old", "v1.0.0", 1000, 90);
    await storeVersion(storage, "example.com/old", "v1.1.0", 1000, 40);
    await storeVersion(storage, "example.com/Upper", "v1.2.0", 1000, 10);
    await storeVersion(storage, "example.com/new", "v0.1.0", 1000, 1);
    await storeVersion(storage, "example.com/untracked", "v1.0.0", 1000);
    // Not versions: a cached list, a remembered 404, a checksum-database tile.
    await storage.write("example.com/old/@v/list", Buffer.from("v1.0.0\n"));
    await storage.write("example.com/gone/@v/v9.0.0.info.404", Buffer.from("{}"));
    await storage.write("sumdb/sum.golang.org/tile/8/0/000", Buffer.alloc(10));
  });

  it("with --unused-for, chooses the versions not served for that long and changes nothing in a dry run", async () => {
    const before = await allKeys(storage);
    const s = await gc(storage, { unusedForMs: 30 * DAY });
    assert.deepEqual(names(s), ["example.com/old@v1.0.0", "example.com/old@v1.1.0"]);
    assert.equal(s.versions, 5);
    assert.equal(s.unstamped, 1);
    assert.ok(s.freed > 2000 && s.freed < 2300, String(s.freed));
    assert.deepEqual(await allKeys(storage), before);
  });

  it("with --max-size, removes the least recently used until the store fits, never-served versions last", async () => {
    const s = await gc(storage, { maxBytes: s0(await gc(storage, {})) - 2500 });
    // Three of five versions go, oldest access first.
    assert.deepEqual(names(s), ["example.com/old@v1.0.0", "example.com/old@v1.1.0", "example.com/Upper@v1.2.0"]);
    const all = await gc(storage, { maxBytes: 0 });
    assert.deepEqual(names(all).slice(3), ["example.com/new@v0.1.0", "example.com/untracked@v1.0.0"]);
  });

  it("never removes a pinned version or module", async () => {
    const pins = PinList.parse("# kept for the release branch\nexample.com/old@v1.0.0\n\nexample.com/Upper  # every version\n");
    const s = await gc(storage, { unusedForMs: 0, pins });
    assert.equal(s.pinned, 2);
    assert.deepEqual(names(s), ["example.com/old@v1.1.0", "example.com/new@v0.1.0", "example.com/untracked@v1.0.0"]);
  });

  it("with --delete, removes whole versions (files, records, stamp) and stamps the never-served ones", async () => {
    const s = await gc(storage, { unusedForMs: 30 * DAY, delete: true });
    assert.equal(s.removed.length, 2);
    const keys = await allKeys(storage);
    assert.ok(!keys.some((k) => k.startsWith("example.com/old/@v/v1.")), keys.join("\n"));
    assert.ok(keys.includes("example.com/old/@v/list") && keys.includes("sumdb/sum.golang.org/tile/8/0/000"));
    assert.ok(keys.includes("example.com/untracked/@v/v1.0.0.access"), "the first sight is recorded");
    assert.ok(keys.includes("example.com/!upper/@v/v1.2.0.zip"));
    // The first sight counts as a use: a later run 29 days on keeps it, one 31 days on does not.
    assert.deepEqual(names(await gc(storage, { unusedForMs: 30 * DAY, now: NOW + 29 * DAY })), ["example.com/Upper@v1.2.0", "example.com/new@v0.1.0"]);
    assert.ok(names(await gc(storage, { unusedForMs: 30 * DAY, now: NOW + 31 * DAY })).includes("example.com/untracked@v1.0.0"));
  });

  it("parses sizes with decimal and binary units", () => {
    assert.equal(parseSize("50GB"), 50e9);
    assert.equal(parseSize("2GiB"), 2 * 2 ** 30);
    assert.equal(parseSize("1048576"), 1048576);
    assert.equal(parseSize("1.5 mb"), 1.5e6);
    assert.throws(() => parseSize("lots"), /not a size/);
    assert.throws(() => parseSize("5 parsecs"), /not a size/);
  });
});

const s0 = (s: { bytes: number }) => s.bytes;

describe("access recorder", () => {
  const req = (p: string) => parseModuleRequest(p) as VersionFileRequest;

  it("keeps accesses in memory and writes one stamp per version on flush, with the latest time", async () => {
    const storage = new MemoryStorage();
    let writes = 0;
    const counting: Storage = Object.assign(Object.create(storage) as Storage, {
      write: (...args: Parameters<Storage["write"]>) => (writes++, storage.write(...args)),
    });
    let now = NOW;
    const recorder = new AccessRecorder(counting, { now: () => now, flushEveryMs: 3_600_000 });
    for (let i = 0; i < 100; i++) {
      recorder.record(req(`/example.com/a/@v/v1.0.0.${["info", "mod", "zip"][i % 3]}`));
      now += 1000;
    }
    recorder.record(req("/example.com/!b/@v/v1.2.0.zip"));
    assert.equal(writes, 0, "nothing is written per request");
    await recorder.close();
    assert.equal(writes, 2);
    const stamp = JSON.parse((await storage.read("example.com/a/@v/v1.0.0.access"))!.body.read().toString()) as { lastAccess: string };
    assert.equal(Date.parse(stamp.lastAccess), NOW + 99_000);
    assert.ok(await storage.stat("example.com/!b/@v/v1.2.0.access"));
    // Within the hour a stamp is not rewritten; after it, it is.
    recorder.record(req("/example.com/a/@v/v1.0.0.zip"));
    await recorder.flush();
    assert.equal(writes, 2);
    now += 3_600_000;
    recorder.record(req("/example.com/a/@v/v1.0.0.zip"));
    await recorder.flush();
    assert.equal(writes, 3);
  });

  it("counts hits, adding them to the stored count with the stamp's write or at close, never stepping the time back", async () => {
    const storage = new MemoryStorage();
    const key = "example.com/a/@v/v1.0.0.access";
    // Another replica's stamp: 40 hits, and a later time than this one's accesses.
    await storage.write(key, accessStamp(NOW + 10 * DAY, 40));
    let now = NOW;
    const recorder = new AccessRecorder(storage, { now: () => now, flushEveryMs: 3_600_000 });
    const stored = async () => parseAccessStamp((await storage.read(key))!.body.read() as Buffer);
    for (let i = 0; i < 5; i++) recorder.record(req("/example.com/a/@v/v1.0.0.zip"));
    await recorder.flush();
    assert.deepEqual(await stored(), { lastAccess: NOW + 10 * DAY, hits: 45 });
    // Within the hour the hits wait in memory; closing writes them.
    now += 60_000;
    for (let i = 0; i < 3; i++) recorder.record(req("/example.com/a/@v/v1.0.0.mod"));
    await recorder.flush();
    assert.equal((await stored())?.hits, 45);
    await recorder.close();
    assert.equal((await stored())?.hits, 48);
    // A stamp from before counting began reads as no hits.
    assert.deepEqual(parseAccessStamp(Buffer.from('{"lastAccess":"2026-06-01T00:00:00.000Z"}\n')), { lastAccess: NOW, hits: 0 });
  });

  it("records files answered by their storage key, as the memory tier answers them, and only version files", async () => {
    const storage = new MemoryStorage();
    const recorder = new AccessRecorder(storage, { now: () => NOW });
    recorder.recordFile("example.com/!b/@v/v1.2.0.mod");
    recorder.recordFile("sumdb/sum.golang.org/tile/8/0/000");
    recorder.recordFile("example.com/b/@v/list");
    await recorder.close();
    assert.deepEqual(await allKeys(storage), ["example.com/!b/@v/v1.2.0.access"]);
  });

  it("is told of a version file the memory tier answers, which never reaches the service", async () => {
    const storage = new MemoryStorage();
    const recorder = new AccessRecorder(storage, { now: () => NOW });
    const tier = new MemoryTier(1 << 20);
    tier.add("example.com/m/@v/v1.0.0.mod", Buffer.from("module example.com/m\n"), '"h1:x"');
    const metrics = new ProxyMetrics();
    // Only the memory tier and the recorder can be reached: anything else would fail the request.
    const handler = createRequestHandler({ storage, metrics, log: () => {}, tier, access: recorder } as unknown as HandlerDeps);
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/example.com/m/@v/v1.0.0.mod`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "module example.com/m\n");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await recorder.close();
    assert.deepEqual(await allKeys(storage), ["example.com/m/@v/v1.0.0.access"]);
  });

  it("flushes by itself after the period, and keeps stamps that failed to write for the next flush", async () => {
    const storage = new MemoryStorage();
    let failing = true;
    const flaky: Storage = Object.assign(Object.create(storage) as Storage, {
      write: (...args: Parameters<Storage["write"]>) => (failing ? Promise.reject(new Error("bucket down")) : storage.write(...args)),
    });
    const logged: string[] = [];
    const recorder = new AccessRecorder(flaky, { flushEveryMs: 20, log: (m) => logged.push(m) });
    recorder.record(req("/example.com/a/@v/v1.0.0.zip"));
    await new Promise((r) => setTimeout(r, 60));
    assert.match(logged.join("\n"), /could not record the last access of 1 versions.*bucket down/);
    failing = false;
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(await storage.stat("example.com/a/@v/v1.0.0.access"));
    await recorder.close();
  });
});
