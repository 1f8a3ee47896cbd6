import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { DiskStorage } from "../../proxy-app/src/storage/disk";
import { collectKeys, describeStorageConformance, distinctBodies, readBytes, tricklingStream } from "./conformance";

describeStorageConformance("disk", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-disk-"));
  return { storage: await new DiskStorage(path.join(dir, "store")).init(), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

describe("DiskStorage specifics", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-disk-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("writes nothing outside its root and leaves no temp files after a failed write", async () => {
    const storage = await new DiskStorage(path.join(dir, "store")).init();
    await assert.rejects(storage.write("../escaped", Buffer.from("x")));
    assert.deepEqual((await fs.readdir(dir)).sort(), ["store"]);
    assert.deepEqual(await fs.readdir(path.join(dir, "store", ".tmp")), []);
  });

  it("removes, when it starts, only temp files old enough to be a crashed write's", async () => {
    const root = path.join(dir, "store");
    await fs.mkdir(path.join(root, ".tmp"), { recursive: true });
    const stale = path.join(root, ".tmp", "stale.part");
    await fs.writeFile(stale, "half a zip from a crash");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await fs.utimes(stale, twoHoursAgo, twoHoursAgo);
    await fs.writeFile(path.join(root, ".tmp", "live.part"), "another process is writing this");
    await new DiskStorage(root).init();
    assert.deepEqual(await fs.readdir(path.join(root, ".tmp")), ["live.part"]);
  });

  it("does not disturb a write in progress in another process sharing the directory when it starts", async () => {
    const root = path.join(dir, "store");
    const tempFiles = () => fs.readdir(path.join(root, ".tmp"));
    const first = await new DiskStorage(root).init();
    const body = new PassThrough();
    const zip = Buffer.alloc(256 * 1024, 9);
    const writing = first.write("example.com/m/@v/v1.0.0.zip", body);
    body.write(zip.subarray(0, 1000));
    while ((await tempFiles()).length === 0) await new Promise((r) => setTimeout(r, 5));
    // A second replica starting on the same volume.
    const second = await new DiskStorage(root).init();
    assert.equal((await tempFiles()).length, 1, "the first process's partial file is still there");
    body.end(zip.subarray(1000));
    assert.deepEqual(await writing, { created: true, size: zip.length });
    assert.ok((await readBytes(second, "example.com/m/@v/v1.0.0.zip"))?.equals(zip));
  });

  it("lets exactly one of two processes' racing writers create an object", async () => {
    const root = path.join(dir, "store");
    const replicas = [await new DiskStorage(root).init(), await new DiskStorage(root).init()];
    const bodies = distinctBodies(10);
    const results = await Promise.all(bodies.map((b, i) => replicas[i % 2].write("example.com/m/@v/v1.0.0.zip", tricklingStream(b))));
    const winners = results.flatMap((r, i) => (r.created ? [i] : []));
    assert.equal(winners.length, 1);
    assert.ok((await readBytes(replicas[1], "example.com/m/@v/v1.0.0.zip"))?.equals(bodies[winners[0]]));
  });

  it("does not serve its temp area as objects", async () => {
    const storage = await new DiskStorage(path.join(dir, "store")).init();
    await assert.rejects(storage.read(".tmp/x.part"), /outside/);
    await assert.rejects(storage.delete(".tmp/x.part"), /outside/);
  });

  it("leaves its temp area out of the keys it enumerates", async () => {
    const root = path.join(dir, "store");
    const storage = await new DiskStorage(root).init();
    await storage.write("example.com/m/@v/v1.0.0.mod", Buffer.from("module m\n"));
    await fs.writeFile(path.join(root, ".tmp", "live.part"), "another process is writing this");
    assert.deepEqual(await collectKeys(storage, ""), ["example.com/m/@v/v1.0.0.mod"]);
    await assert.rejects(collectKeys(storage, ".tmp/"), /outside/);
  });
});
