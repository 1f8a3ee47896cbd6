import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Storage } from "../../proxy-app/src/storage/storage";

/** What a backend under test must provide besides the Storage itself. */
export interface StorageUnderTest {
  storage: Storage;
  /** Removes everything the backend stored for this test. */
  cleanup(): Promise<void>;
}

export async function readBytes(storage: Storage, key: string): Promise<Buffer | undefined> {
  const obj = await storage.read(key);
  if (!obj) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of obj.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function collectKeys(storage: Storage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of storage.entries(prefix)) keys.push(key);
  return keys;
}

async function readText(storage: Storage, key: string): Promise<string | undefined> {
  return (await readBytes(storage, key))?.toString("utf8");
}

/** A stream that yields some bytes and then fails with `failure`, like an upstream cut off mid-zip. */
function brokenStream(failure = new Error("connection reset")): Readable {
  return new Readable({
    read() {
      this.push(Buffer.alloc(64 * 1024, 1));
      this.destroy(failure);
    },
  });
}

/** Streams `bytes` in small chunks, yielding to the event loop between them so concurrent writers interleave. */
export function tricklingStream(bytes: Buffer, chunk = 16 * 1024): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < bytes.length; at += chunk) {
        await nextTurn();
        yield bytes.subarray(at, at + chunk);
      }
    })(),
    { objectMode: false },
  );
}

/** Distinct bodies of distinct sizes: any mix of two, or a part of one, equals none of them. */
export function distinctBodies(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(96 * 1024 + i * 1000, i + 1));
}

/**
 * Reads `key` over and over until `done` settles, and returns what each read
 * found as an index into `bodies`; fails on anything that is not one of them whole.
 */
export async function watchWhole(storage: Storage, key: string, bodies: Buffer[], done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  const seen: number[] = [];
  while (!finished) {
    const got = await readBytes(storage, key);
    if (got !== undefined) {
      const index = bodies.findIndex((b) => b.equals(got));
      assert.notEqual(index, -1, `a reader saw ${got.length} bytes that are no writer's whole body`);
      seen.push(index);
    }
    await nextTurn();
  }
  return seen;
}

/**
 * The behaviour every Storage backend must have. Each backend's test file
 * calls this with a factory giving a fresh, empty store per test.
 */
export function describeStorageConformance(backend: string, create: () => Promise<StorageUnderTest>): void {
  describe(`Storage conformance: ${backend}`, function () {
    let sut: StorageUnderTest;
    let storage: Storage;
    beforeEach(async () => {
      sut = await create();
      storage = sut.storage;
    });
    afterEach(async () => sut.cleanup());

    it("reports absent objects as undefined", async () => {
      assert.equal(await storage.stat("example.com/m/@v/v1.0.0.info"), undefined);
      assert.equal(await storage.read("example.com/m/@v/v1.0.0.info"), undefined);
      assert.deepEqual(await storage.list("example.com/m/@v/"), []);
    });

    it("stores buffers and streams and reads them back with their size", async () => {
      const a = await storage.write("example.com/!m/@v/v1.0.0.mod", Buffer.from("module example.com/M\n"));
      const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
      const b = await storage.write("example.com/!m/@v/v1.0.0.zip", Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
      assert.deepEqual(a, { created: true, size: 21 });
      assert.deepEqual(b, { created: true, size: big.length });
      assert.equal(await readText(storage, "example.com/!m/@v/v1.0.0.mod"), "module example.com/M\n");
      const obj = await storage.read("example.com/!m/@v/v1.0.0.zip");
      assert.ok(obj);
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(big));
      assert.equal(obj.size, big.length);
      assert.deepEqual(await storage.stat("example.com/!m/@v/v1.0.0.mod"), { size: 21 });
    });

    it("lists the names directly under a prefix, not deeper ones", async () => {
      await storage.write("example.com/m/@v/v1.0.0.info", Buffer.from("{}"));
      await storage.write("example.com/m/@v/v1.1.0.mod", Buffer.from("module m\n"));
      await storage.write("example.com/m/sub/@v/v9.0.0.info", Buffer.from("{}"));
      await storage.write("example.com/mm/@v/v2.0.0.info", Buffer.from("{}"));
      assert.deepEqual((await storage.list("example.com/m/@v/")).sort(), ["v1.0.0.info", "v1.1.0.mod"]);
    });

    it("enumerates every key under a prefix at any depth, and the whole store under an empty prefix", async () => {
      const under = ["example.com/m/@v/v1.0.0.info", "example.com/m/@v/v1.0.0.info.meta", "example.com/m/sub/@v/v9.0.0.mod"];
      const others = ["example.com/mm/@v/v2.0.0.info", "sumdb/sum.test.example/tile/8/0/000"];
      for (const key of [...under, ...others]) await storage.write(key, Buffer.from("x"));
      assert.deepEqual((await collectKeys(storage, "example.com/m/")).sort(), under);
      assert.deepEqual((await collectKeys(storage, "")).sort(), [...under, ...others].sort());
      assert.deepEqual(await collectKeys(storage, "example.com/none/"), []);
      await storage.delete(under[0]);
      assert.deepEqual((await collectKeys(storage, "example.com/m/@v/")).sort(), [under[1]]);
    });

    it("gives each enumerated object its size and time written, and a new version when it is rewritten", async () => {
      const key = "example.com/m/@v/v1.0.0.access";
      // S3 keeps times to the second.
      const before = Math.floor(Date.now() / 1000) * 1000;
      await storage.write(key, Buffer.from("first"));
      await storage.write("example.com/m/@v/v1.0.0.zip", Buffer.alloc(1234));
      const entry = async (k: string) => {
        for await (const e of storage.entries("example.com/")) if (e.key === k) return e;
        return undefined;
      };
      const first = await entry(key);
      assert.equal(first?.size, 5);
      assert.equal((await entry("example.com/m/@v/v1.0.0.zip"))?.size, 1234);
      assert.ok(first.modifiedMs >= before && first.modifiedMs <= Date.now() + 1000, `${first.modifiedMs} vs ${before}`);
      await storage.write(key, Buffer.from("again"), { overwrite: true });
      const second = await entry(key);
      assert.equal(second?.size, 5);
      // Every backend here has one (the catalog rereads only what changed by it), so its absence is a failure, not a skip.
      assert.equal(typeof first.version, "string", `${backend} enumerates no version`);
      assert.notEqual(second.version, first.version, "a rewrite of the same size is told apart");
    });

    it("keeps the first object when another is written to its key, consuming the second body", async () => {
      const key = "example.com/m/@v/v1.0.0.mod";
      assert.deepEqual(await storage.write(key, Buffer.from("module first\n")), { created: true, size: 13 });
      assert.deepEqual(await storage.write(key, Buffer.from("module second\n")), { created: false, size: 13 });
      const late = tricklingStream(Buffer.alloc(200 * 1024, 3));
      assert.deepEqual(await storage.write(key, late), { created: false, size: 13 });
      assert.ok(late.readableEnded, "the refused body was read to its end, not left hanging");
      assert.equal(await readText(storage, key), "module first\n");
    });

    it("replaces an object whole with overwrite, and creates one that is absent", async () => {
      const key = "example.com/m/@v/list";
      assert.deepEqual(await storage.write(key, Buffer.from("one"), { overwrite: true }), { created: true, size: 3 });
      assert.deepEqual(await storage.write(key, tricklingStream(Buffer.from("second")), { overwrite: true }), { created: true, size: 6 });
      assert.equal(await readText(storage, key), "second");
      assert.deepEqual(await storage.stat(key), { size: 6 });
    });

    it("lets exactly one of 20 racing writers create the object, and readers see only that body whole", async () => {
      const key = "example.com/race/@v/v1.0.0.zip";
      const bodies = distinctBodies(20);
      const writes = Promise.all(bodies.map((b) => storage.write(key, tricklingStream(b))));
      const seen = await watchWhole(storage, key, bodies, writes);
      const results = await writes;
      const winners = results.flatMap((r, i) => (r.created ? [i] : []));
      assert.equal(winners.length, 1, `created by ${winners.join(", ") || "none"}`);
      const [winner] = winners;
      assert.ok(
        results.every((r) => r.size === bodies[winner].length),
        "every writer is told the size of the object that was kept",
      );
      assert.ok(
        seen.every((i) => i === winner),
        `readers saw bodies ${[...new Set(seen)].join(", ")}, the winner was ${winner}`,
      );
      assert.ok((await readBytes(storage, key))?.equals(bodies[winner]));
    });

    it("leaves one racing overwrite's body whole", async () => {
      const key = "example.com/race/@v/list";
      const bodies = distinctBodies(20);
      const writes = Promise.all(bodies.map((b) => storage.write(key, tricklingStream(b), { overwrite: true })));
      await watchWhole(storage, key, bodies, writes);
      assert.ok((await writes).every((r) => r.created));
      const final = await readBytes(storage, key);
      assert.ok(final && bodies.some((b) => b.equals(final)), "the final object is one writer's whole body");
    });

    it("deletes an object, ignores deleting an absent one, and lets the key be written anew", async () => {
      const key = "example.com/m/@v/v1.0.0.zip";
      await storage.write(key, Buffer.from("bad content"));
      await storage.write("example.com/m/@v/v1.0.0.mod", Buffer.from("module m\n"));
      await storage.delete(key);
      assert.equal(await storage.stat(key), undefined);
      assert.equal(await storage.read(key), undefined);
      assert.deepEqual(await storage.list("example.com/m/@v/"), ["v1.0.0.mod"]);
      await storage.delete(key);
      await storage.delete("example.com/never/@v/v1.0.0.zip");
      assert.deepEqual(await storage.write(key, Buffer.from("good")), { created: true, size: 4 });
      assert.equal(await readText(storage, key), "good");
    });

    for (const overwrite of [false, true]) {
      const how = overwrite ? "an overwrite" : "a write";
      it(`stores nothing when the body of ${how} fails part-way, and rejects with the body's error`, async () => {
        const failure = new Error("connection reset");
        await assert.rejects(storage.write("example.com/m/@v/v1.0.0.zip", brokenStream(failure), { overwrite }), (err) => err === failure);
        assert.equal(await storage.stat("example.com/m/@v/v1.0.0.zip"), undefined);
        assert.deepEqual(await storage.list("example.com/m/@v/"), []);
      });

      it(`keeps the existing object when the body of ${how} fails part-way`, async () => {
        await storage.write("example.com/m/@v/v1.0.0.zip", Buffer.from("complete"));
        await assert.rejects(storage.write("example.com/m/@v/v1.0.0.zip", brokenStream(), { overwrite }), /connection reset/);
        assert.equal(await readText(storage, "example.com/m/@v/v1.0.0.zip"), "complete");
      });
    }

    it("refuses keys that could escape the store", async () => {
      for (const key of ["../x", "a/../../x", "/abs", "a//b", "a/./b", "", "a\\..\\b"]) {
        await assert.rejects(storage.write(key, Buffer.from("x")), /invalid storage key|outside/, key);
        await assert.rejects(storage.read(key), /invalid storage key|outside/, key);
        await assert.rejects(storage.delete(key), /invalid storage key|outside/, key);
      }
      await assert.rejects(storage.list("../"), /invalid storage key|outside/);
      await assert.rejects(collectKeys(storage, "../"), /invalid storage key|outside/);
    });

    it("is ready when it can serve", async () => {
      await storage.checkReady();
    });
  });
}
