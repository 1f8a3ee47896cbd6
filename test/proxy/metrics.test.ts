import assert from "node:assert/strict";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { StorageUnavailableError } from "../../proxy-app/src/storage/storage";

/** A store that can be made to fail its readiness check, as a disk fills up and is emptied again. */
class SwitchableStorage extends MemoryStorage {
  full = false;
  override checkReady = async () => {
    if (this.full) throw new StorageUnavailableError("storage directory /srv: ENOSPC (disk full)");
  };
}

async function storageReady(metrics: ProxyMetrics): Promise<string | undefined> {
  return /^modproxy_storage_ready (\S+)$/m.exec(await metrics.registry.metrics())?.[1];
}

describe("ProxyMetrics", () => {
  it("reports storage readiness as /readyz checks it, at each scrape", async () => {
    const storage = new SwitchableStorage();
    const metrics = new ProxyMetrics();
    metrics.watchStorage(storage);
    assert.equal(await storageReady(metrics), "1");
    storage.full = true;
    assert.equal(await storageReady(metrics), "0");
    storage.full = false;
    assert.equal(await storageReady(metrics), "1");
  });

  it("reports storage not ready when the check fails with an error it does not classify", async () => {
    const storage = new MemoryStorage();
    storage.checkReady = () => Promise.reject(new Error("EIO"));
    const metrics = new ProxyMetrics();
    metrics.watchStorage(storage);
    assert.equal(await storageReady(metrics), "0");
  });
});
