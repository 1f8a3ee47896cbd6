import assert from "node:assert/strict";
import http from "node:http";
import { AddressInfo } from "node:net";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { ModuleService } from "../../proxy-app/src/module-service";
import { ModulePatterns } from "../../proxy-app/src/private-patterns";
import { createRequestHandler } from "../../proxy-app/src/server";
import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { StorageUnavailableError } from "../../proxy-app/src/storage/storage";
import { parseGoSumDb } from "../../proxy-app/src/gosumdb";
import { SumdbService } from "../../proxy-app/src/sumdb";
import { AnswerCache } from "../../proxy-app/src/answer-cache";
import { ArtifactStore } from "../../proxy-app/src/artifact";
import { VerifyingFetcher } from "../../proxy-app/src/fetcher";
import { upstreamFromList } from "../../proxy-app/src/upstream/chain";

/** A store whose disk has filled up: it can no longer be read or written. */
class FullStorage extends MemoryStorage {
  private readonly full = () => Promise.reject(new StorageUnavailableError("storage directory /var/cache/modproxy: ENOSPC (disk full)"));
  override read = this.full;
  override write = this.full;
  override checkReady = this.full;
}

describe("modproxy when its storage cannot be used", () => {
  let server: http.Server;
  let url: string;
  before(async () => {
    const storage = new FullStorage();
    const metrics = new ProxyMetrics();
    // "off": no upstream is reached, so only storage decides the answer.
    const upstream = upstreamFromList("off", { timeoutMs: 1000, metrics });
    const sumdb = new SumdbService(
      storage,
      {
        main: parseGoSumDb("sum.golang.org"),
        onlyMain: false,
        route: () => ({ upstream, pathOf: (_n, f) => f, asksSupported: false }),
        noSumDb: new ModulePatterns(""),
      },
      metrics,
    );
    const artifacts = new ArtifactStore(storage);
    const fetcher = new VerifyingFetcher({
      artifacts,
      upstream,
      sums: sumdb,
      mode: "require",
      limits: { deadlineMs: 1000, maxFetches: 1 },
      metrics,
      log: () => {},
    });
    const answers = new AnswerCache({ storage, ttlMs: 1000, notFoundTtlMs: 1000 });
    const service = new ModuleService({ artifacts, fetcher, answers, upstream, metrics });
    server = http.createServer(createRequestHandler({ service, sumdb, storage, metrics, log: () => undefined }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  for (const file of ["v1.0.0.info", "v1.0.0.mod", "v1.0.0.zip"]) {
    it(`answers 503 with Retry-After and the reason for .${file.split(".").pop()}`, async () => {
      const response = await fetch(`${url}/example.com/m/@v/${file}`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "30");
      assert.equal(response.headers.get("cache-control"), "no-cache");
      assert.match(await response.text(), /ENOSPC \(disk full\)/);
    });
  }

  it("is not ready", async () => {
    const response = await fetch(`${url}/readyz`);
    assert.equal(response.status, 503);
    assert.match(await response.text(), /disk full/);
  });
});
