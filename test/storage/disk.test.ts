import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DiskStorage } from "../../proxy-app/src/storage/disk";
import { describeStorageConformance } from "./conformance";

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

  it("clears partial writes a crash left behind when it starts", async () => {
    const root = path.join(dir, "store");
    await fs.mkdir(path.join(root, ".tmp"), { recursive: true });
    await fs.writeFile(path.join(root, ".tmp", "abc.part"), "half a zip");
    await new DiskStorage(root).init();
    assert.deepEqual(await fs.readdir(path.join(root, ".tmp")), []);
  });

  it("does not serve its temp area as objects", async () => {
    const storage = await new DiskStorage(path.join(dir, "store")).init();
    await assert.rejects(storage.read(".tmp/x.part"), /outside/);
  });
});
