import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { Storage } from "../../proxy-app/src/storage/storage";

/** What a backend under test must provide besides the Storage itself. */
export interface StorageUnderTest {
  storage: Storage;
  /** Removes everything the backend stored for this test. */
  cleanup(): Promise<void>;
}

async function readText(storage: Storage, key: string): Promise<string | undefined> {
  const obj = await storage.read(key);
  if (!obj) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of obj.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A stream that yields some bytes and then fails, like an upstream cut off mid-zip. */
function brokenStream(): Readable {
  return new Readable({
    read() {
      this.push(Buffer.alloc(64 * 1024, 1));
      this.destroy(new Error("connection reset"));
    },
  });
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
      assert.equal(a.size, 21);
      assert.equal(b.size, big.length);
      assert.equal(await readText(storage, "example.com/!m/@v/v1.0.0.mod"), "module example.com/M\n");
      const obj = await storage.read("example.com/!m/@v/v1.0.0.zip");
      assert.ok(obj);
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(big));
      assert.equal(obj.size, big.length);
      assert.deepEqual(await storage.stat("example.com/!m/@v/v1.0.0.mod"), a);
    });

    it("lists the names directly under a prefix, not deeper ones", async () => {
      await storage.write("example.com/m/@v/v1.0.0.info", Buffer.from("{}"));
      await storage.write("example.com/m/@v/v1.1.0.mod", Buffer.from("module m\n"));
      await storage.write("example.com/m/sub/@v/v9.0.0.info", Buffer.from("{}"));
      await storage.write("example.com/mm/@v/v2.0.0.info", Buffer.from("{}"));
      assert.deepEqual((await storage.list("example.com/m/@v/")).sort(), ["v1.0.0.info", "v1.1.0.mod"]);
    });

    it("replaces an object whole", async () => {
      await storage.write("example.com/m/@v/list-cache", Buffer.from("one"));
      const second = await storage.write("example.com/m/@v/list-cache", Buffer.from("second"));
      assert.equal(await readText(storage, "example.com/m/@v/list-cache"), "second");
      assert.equal(second.size, 6);
    });

    it("stores nothing when the body fails part-way", async () => {
      await assert.rejects(storage.write("example.com/m/@v/v1.0.0.zip", brokenStream()), /connection reset/);
      assert.equal(await storage.stat("example.com/m/@v/v1.0.0.zip"), undefined);
      assert.deepEqual(await storage.list("example.com/m/@v/"), []);
    });

    it("keeps the old object when a replacement fails part-way", async () => {
      await storage.write("example.com/m/@v/v1.0.0.zip", Buffer.from("complete"));
      await assert.rejects(storage.write("example.com/m/@v/v1.0.0.zip", brokenStream()));
      assert.equal(await readText(storage, "example.com/m/@v/v1.0.0.zip"), "complete");
    });

    it("refuses keys that could escape the store", async () => {
      for (const key of ["../x", "a/../../x", "/abs", "a//b", "a/./b", "", "a\\..\\b"]) {
        await assert.rejects(storage.write(key, Buffer.from("x")), /invalid storage key|outside/, key);
        await assert.rejects(storage.read(key), /invalid storage key|outside/, key);
      }
      await assert.rejects(storage.list("../"), /invalid storage key|outside/);
    });

    it("is ready when it can serve", async () => {
      await storage.checkReady();
    });
  });
}
