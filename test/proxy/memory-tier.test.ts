import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs, ReadStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { ArtifactRecord, ArtifactStore, readAll, sha256Hex } from "../../proxy-app/src/artifact";
import { MemoryTier } from "../../proxy-app/src/memory-tier";
import { encodeCase } from "../../proxy-app/src/module-path";
import { DiskStorage } from "../../proxy-app/src/storage/disk";
import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { Storage, StoredObject } from "../../proxy-app/src/storage/storage";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";

/** MemoryStorage counting the reads that reach it. */
class CountingStorage extends MemoryStorage implements Storage {
  reads = 0;
  override async read(key: string): Promise<StoredObject | undefined> {
    this.reads++;
    return super.read(key);
  }
}

const INFO_KEY = "example.com/m/@v/v1.0.0.info";

function recordOf(body: Buffer, checksum: ArtifactRecord["checksum"] = "not-looked-up"): ArtifactRecord {
  return { sha256: sha256Hex(body), size: body.length, checksum };
}

async function bodyOf(store: ArtifactStore, key: string): Promise<Buffer> {
  const got = await store.get(key);
  assert.equal(got.state, "ok");
  const body = got.artifact.body;
  return Buffer.isBuffer(body) ? body : readAll(body as Readable, 1 << 20, key);
}

describe("memory tier", () => {
  it("evicts the least recently used files past its budget", () => {
    const tier = new MemoryTier(16 * 100);
    const file = (i: number) => Buffer.alloc(100, i);
    for (let i = 0; i < 16; i++) tier.add(`example.com/m/@v/v1.0.${i}.mod`, file(i), undefined);
    assert.equal(tier.bytes, 1600);
    // Touching the oldest makes the second oldest the one to go.
    assert.ok(tier.get("example.com/m/@v/v1.0.0.mod"));
    tier.add("example.com/m/@v/v1.0.16.mod", file(16), undefined);
    assert.equal(tier.size, 16);
    assert.ok(tier.bytes <= tier.budget);
    assert.ok(tier.get("example.com/m/@v/v1.0.0.mod"));
    assert.equal(tier.get("example.com/m/@v/v1.0.1.mod"), undefined);
    assert.ok(tier.get("example.com/m/@v/v1.0.16.mod"));
  });

  it("keeps out files larger than a 16th of its budget, and holds nothing with a budget of 0", () => {
    const tier = new MemoryTier(1600);
    tier.add("example.com/m/@v/v1.0.0.zip", Buffer.alloc(101), undefined);
    assert.equal(tier.size, 0);
    tier.add("example.com/m/@v/v1.0.0.zip", Buffer.alloc(100), '"x"');
    assert.equal(tier.size, 1);
    const none = new MemoryTier(0);
    none.add(INFO_KEY, Buffer.from("{}"), undefined);
    assert.equal(none.size, 0);
  });

  it("prepares the response headers once, from the key's kind and the recorded hash", () => {
    const tier = new MemoryTier(1 << 20);
    tier.add(INFO_KEY, Buffer.from('{"Version":"v1.0.0"}'), '"abc"');
    tier.add("sumdb/sum.example/tile/8/0/000", Buffer.alloc(32), undefined);
    assert.deepEqual(tier.get(INFO_KEY)?.headers, [
      "Content-Type",
      "application/json",
      "Content-Length",
      "20",
      "Cache-Control",
      "public, max-age=31536000, immutable",
      "ETag",
      '"abc"',
    ]);
    assert.equal(tier.get("sumdb/sum.example/tile/8/0/000")?.kind, "sumdb-tile");
  });

  it("serves a file checked once from memory: a hit reads no storage and hashes nothing", async () => {
    const storage = new CountingStorage();
    const info = Buffer.from('{"Version":"v1.0.0"}\n');
    // Stored by another process: the first read goes to storage and checks the hash.
    await storage.write(INFO_KEY, info);
    await storage.write(`${INFO_KEY}.meta`, Buffer.from(JSON.stringify(recordOf(info))));
    const store = new ArtifactStore(storage, () => assert.fail("not corrupt"), new MemoryTier(1 << 20));
    assert.deepEqual(await bodyOf(store, INFO_KEY), info);
    const afterFirst = storage.reads;
    assert.ok(afterFirst > 0);
    // Altered in storage afterwards: what was checked keeps being served, from memory.
    await storage.write(INFO_KEY, Buffer.from("tampered"), { overwrite: true });
    for (let i = 0; i < 3; i++) assert.deepEqual(await bodyOf(store, INFO_KEY), info);
    assert.equal(storage.reads, afterFirst);
  });

  it("holds what it publishes, keeps unverified files out, and drops removed ones", async () => {
    const storage = new CountingStorage();
    const tier = new MemoryTier(1 << 20);
    const store = new ArtifactStore(storage, undefined, tier);
    const mod = Buffer.from("module example.com/m\n");
    const modKey = "example.com/m/@v/v1.0.0.mod";
    await store.put(modKey, mod, { ...recordOf(mod, "verified"), h1: "h1:abc=" });
    const got = await store.get(modKey);
    assert.equal(got.state === "ok" && got.artifact.etag, '"h1:abc="');
    assert.equal(storage.reads, 0);

    const zipKey = "example.com/m/@v/v1.0.0.zip";
    const zip = Buffer.from("PK...");
    await store.put(zipKey, zip, recordOf(zip, "unverified"));
    await bodyOf(store, zipKey);
    assert.equal(tier.get(zipKey), undefined);

    await store.remove(modKey);
    assert.equal(tier.get(modKey), undefined);
    assert.equal((await store.get(modKey)).state, "missing");
  });
});

describe("large stored files", () => {
  let dir: string;
  before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-large-"))));
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("are hashed on the first read of each stored version, and refused once rewritten wrong", async () => {
    const storage = await new DiskStorage(dir).init();
    const corrupt: string[] = [];
    const store = new ArtifactStore(storage, (key) => corrupt.push(key), new MemoryTier(64 << 20));
    const key = "example.com/m/@v/v1.0.0.zip";
    const zip = randomBytes(3 << 20);
    await store.put(key, Readable.from([zip]), recordOf(zip));
    const first = await store.get(key);
    assert.ok(first.state === "ok" && first.artifact.body instanceof Transform, "the first read streams through the hash check");
    assert.deepEqual(await readAll(first.artifact.body, 4 << 20, key), zip);
    // Checked whole once: this version now streams straight from the file.
    const again = await store.get(key);
    assert.ok(again.state === "ok" && again.artifact.body instanceof ReadStream);
    again.artifact.body.destroy();
    // Written again (a new version in storage), with other bytes: checked again, and refused.
    await fs.writeFile(path.join(dir, key), randomBytes(3 << 20));
    const rewritten = await store.get(key);
    assert.ok(rewritten.state === "ok" && !Buffer.isBuffer(rewritten.artifact.body));
    await assert.rejects(readAll(rewritten.artifact.body as Readable, 4 << 20, key));
    assert.deepEqual(corrupt, [key]);
  });
});

describe("memory tier behind HTTP", () => {
  let env: ModproxyOverFixtures;
  before(async () => (env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5_000 })));
  after(() => env.stop());

  it("answers a held file without storage, with its ETag, 304s, HEAD and metrics", async () => {
    const [module, version] = env.tree.allVersions[0].split("@");
    const key = `${encodeCase(module)}/@v/${encodeCase(version)}.info`;
    const url = `${env.proxy.url}/${key}`;
    const first = await fetch(url);
    assert.equal(first.status, 200);
    const body = await first.text();
    const etag = first.headers.get("etag")!;
    // Gone from storage: only memory can answer now.
    await fs.rm(path.join(env.storageDir, key));
    const asked = env.upstream.requests.length;
    const second = await fetch(url);
    assert.equal(second.status, 200);
    assert.equal(await second.text(), body);
    assert.equal(second.headers.get("etag"), etag);
    assert.equal(second.headers.get("content-type"), "application/json");
    assert.equal(second.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(Number(second.headers.get("content-length")), Buffer.byteLength(body));
    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const notModified = await fetch(url, { headers: { "If-None-Match": etag } });
    assert.equal(notModified.status, 304);
    assert.equal(env.upstream.requests.length, asked);
    const metrics = await (await fetch(`${env.proxy.url}/metrics`)).text();
    assert.match(metrics, /modproxy_requests_total\{kind="info",status="200"\} 3\b/);
    assert.match(metrics, /modproxy_requests_total\{kind="info",status="304"\} 1\b/);
    assert.match(metrics, /modproxy_cache_lookups_total\{kind="info",result="hit"\} 3\b/);
    assert.match(metrics, /modproxy_memory_cache_files [1-9]/);
  });
});
