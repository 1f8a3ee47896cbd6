import assert from "node:assert/strict";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { shippedQueries } from "../support/monitoring-queries";
import { familyOf, metricFamilies, metricNames } from "../support/promql-names";

// Every metric the dashboard and the alerting rules name must be one a real
// modproxy exports: a renamed or misspelled metric would leave a panel empty
// and an alert silent, which nothing else would notice.

describe("the shipped dashboard and alerts against a running modproxy's /metrics", function () {
  this.timeout(60_000);
  let env: ModproxyOverFixtures;
  let families: Map<string, string>;

  before(async () => {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5_000 });
    const get = async (path: string) => (await fetch(`${env.proxy.url}${path}`)).status;
    // A miss, then a hit, of the same file; a module the upstream does not have; a path that is no module's.
    assert.equal(await get("/example.com/fixture/greet/@v/v1.1.0.mod"), 200);
    assert.equal(await get("/example.com/fixture/greet/@v/v1.1.0.mod"), 200);
    assert.equal(await get("/example.com/fixture/no-such-module/@v/v1.0.0.info"), 404);
    assert.equal(await get("/example.com/fixture/greet/@v/v1.1.0.zip/.."), 400);
    const scrape = await fetch(`${env.proxy.url}/metrics`);
    assert.equal(scrape.status, 200);
    families = metricFamilies(await scrape.text());
  });
  after(() => env?.stop());

  it("finds every metric named in an expression among the metrics exported", () => {
    const queries = shippedQueries();
    assert.ok(queries.length >= 20, `${queries.length} expressions`);
    const missing = queries.flatMap(({ where, expr }) => {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where} names no metric: ${expr}`);
      return names.filter((name) => familyOf(name, families) === undefined).map((name) => `${where}: ${name}`);
    });
    assert.deepEqual(missing, []);
  });

  it("would notice a metric that is not exported", () => {
    assert.deepEqual(
      metricNames('rate(modproxy_requests_totl{status="500"}[5m])').filter((name) => familyOf(name, families) === undefined),
      ["modproxy_requests_totl"],
    );
  });

  it("covers what an operator watches: errors, upstreams, cache, verification, storage, latency and memory", () => {
    const named = new Set(shippedQueries().flatMap(({ expr }) => metricNames(expr).map((name) => familyOf(name, families))));
    for (const family of [
      "modproxy_requests_total",
      "modproxy_upstream_up",
      "modproxy_cache_lookups_total",
      "modproxy_verification_failures_total",
      "modproxy_storage_ready",
      "modproxy_request_duration_seconds",
      "modproxy_memory_cache_bytes",
    ]) {
      assert.ok(named.has(family), family);
    }
  });
});
