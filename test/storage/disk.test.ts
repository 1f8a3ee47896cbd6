import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { DiskStorage, diskFailure } from "../../proxy-app/src/storage/disk";
import { StorageUnavailableError } from "../../proxy-app/src/storage/storage";
import { collectKeys, describeStorageConformance, distinctBodies, readBytes, tricklingStream } from "./conformance";

describeStorageConformance("disk", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-disk-"));
  return { storage: await new DiskStorage(path.join(dir, "store")).init(), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

const NOBODY = 65534;

/**
 * Runs fn as a user the permission bits apply to. Root ignores them, and CI
 * runs as root: there the whole process takes nobody's effective uid (glibc
 * applies seteuid to every thread, libuv's file system workers included).
 */
async function unprivileged<T>(fn: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return fn();
  process.seteuid!(NOBODY);
  try {
    return await fn();
  } finally {
    process.seteuid!(0);
  }
}

describe("DiskStorage specifics", () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-disk-"));
    // Traversable by nobody, for the permission tests.
    await fs.chmod(dir, 0o755);
    root = path.join(dir, "store");
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const tempFiles = () => fs.readdir(path.join(root, ".tmp"));

  it("writes nothing outside its root and leaves no temp files after a failed write", async () => {
    const storage = await new DiskStorage(root).init();
    await assert.rejects(storage.write("../escaped", Buffer.from("x")));
    assert.deepEqual((await fs.readdir(dir)).sort(), ["store"]);
    assert.deepEqual(await tempFiles(), []);
  });

  it("leaves no temp or probe files behind after writes, refused writes and readiness checks", async () => {
    const storage = await new DiskStorage(root).init();
    await storage.write("example.com/m/@v/v1.0.0.mod", Buffer.from("module m\n"));
    await storage.write("example.com/m/@v/v1.0.0.mod", Buffer.from("module other\n"));
    await storage.write("example.com/m/@v/list", Buffer.from("v1.0.0\n"), { overwrite: true });
    await storage.checkReady();
    assert.deepEqual(await tempFiles(), []);
  });

  it("removes, when it starts, only temp files old enough to be a crashed write's", async () => {
    await fs.mkdir(path.join(root, ".tmp"), { recursive: true });
    const stale = path.join(root, ".tmp", "stale.part");
    await fs.writeFile(stale, "half a zip from a crash");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await fs.utimes(stale, twoHoursAgo, twoHoursAgo);
    await fs.writeFile(path.join(root, ".tmp", "live.part"), "another process is writing this");
    await new DiskStorage(root).init();
    assert.deepEqual(await tempFiles(), ["live.part"]);
  });

  it("does not disturb a write in progress in another process sharing the directory when it starts", async () => {
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
    const replicas = [await new DiskStorage(root).init(), await new DiskStorage(root).init()];
    const bodies = distinctBodies(10);
    const results = await Promise.all(bodies.map((b, i) => replicas[i % 2].write("example.com/m/@v/v1.0.0.zip", tricklingStream(b))));
    const winners = results.flatMap((r, i) => (r.created ? [i] : []));
    assert.equal(winners.length, 1);
    assert.ok((await readBytes(replicas[1], "example.com/m/@v/v1.0.0.zip"))?.equals(bodies[winners[0]]));
  });

  it("maps a full, read-only, refusing or failing disk to StorageUnavailableError, other errors not", () => {
    for (const code of ["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO"]) {
      const mapped = diskFailure("/var/cache/modproxy", Object.assign(new Error(`${code}: failed, write`), { code }));
      assert.ok(mapped instanceof StorageUnavailableError, code);
      assert.match(mapped.message, new RegExp(`^storage directory /var/cache/modproxy: ${code} \\(.+\\)$`));
    }
    for (const err of [Object.assign(new Error("ENOENT"), { code: "ENOENT" }), Object.assign(new Error("reset"), { code: "ECONNRESET" }), new Error("plain")]) {
      assert.equal(diskFailure("/var/cache/modproxy", err), err);
    }
  });

  it("is unavailable, not broken, where it may not write, and still serves what it has", async () => {
    const storage = await new DiskStorage(root).init();
    await storage.write("example.com/m/@v/v1.0.0.mod", Buffer.from("module m\n"));
    await fs.chmod(path.join(root, ".tmp"), 0o555);
    try {
      await unprivileged(async () => {
        await assert.rejects(storage.write("example.com/m/@v/v1.1.0.mod", Buffer.from("module m\n")), StorageUnavailableError);
        // As the proxy feeds a zip to storage and to the client at once.
        const zip = new PassThrough();
        zip.write(Buffer.alloc(64 * 1024));
        await assert.rejects(storage.write("example.com/m/@v/v1.1.0.zip", zip), /EACCES \(permission denied\)/);
        assert.ok(zip.destroyed, "the refused body is released, not left waiting for a reader");
        await assert.rejects(storage.checkReady(), (err) => err instanceof StorageUnavailableError && /EACCES/.test(err.message));
        assert.equal((await readBytes(storage, "example.com/m/@v/v1.0.0.mod"))?.toString(), "module m\n");
      });
    } finally {
      await fs.chmod(path.join(root, ".tmp"), 0o755);
    }
    await storage.checkReady();
  });

  it("reports an object it may not read as unavailable, not as absent", async () => {
    const storage = await new DiskStorage(root).init();
    await storage.write("example.com/m/@v/v1.0.0.zip", Buffer.from("zip"));
    await fs.chmod(path.join(root, "example.com/m/@v/v1.0.0.zip"), 0o000);
    await unprivileged(async () => {
      await assert.rejects(storage.read("example.com/m/@v/v1.0.0.zip"), (err) => err instanceof StorageUnavailableError && /EACCES/.test(err.message));
    });
  });

  it("is not ready when free space is below its threshold", async () => {
    const storage = await new DiskStorage(root, { minFreeBytes: Number.MAX_SAFE_INTEGER }).init();
    await assert.rejects(storage.checkReady(), (err) => err instanceof StorageUnavailableError && /MiB free, below/.test(err.message));
    assert.deepEqual(await tempFiles(), []);
  });

  it("does not serve its temp area as objects", async () => {
    const storage = await new DiskStorage(root).init();
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
