import assert from "node:assert/strict";
import http from "node:http";
import { AddressInfo, createServer, Server, Socket } from "node:net";
import { Readable } from "node:stream";
import { BadUpstreamContentError } from "../../proxy-app/src/artifact";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { upstreamFromList } from "../../proxy-app/src/upstream/chain";
import { HealthOptions, HealthTrackedUpstream, UpstreamDownError } from "../../proxy-app/src/upstream/health";
import { HttpProxyUpstream } from "../../proxy-app/src/upstream/http-proxy";
import {
  NotFoundError,
  Upstream,
  UpstreamConnectionError,
  UpstreamError,
  UpstreamResponse,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from "../../proxy-app/src/upstream/upstream";

/** A clock that moves only when told to, running the timers that fall due. */
class FakeClock {
  time = 1_000_000;
  /** The delay of every timer scheduled, in order. */
  readonly delays: number[] = [];
  private timers: { at: number; run: () => void }[] = [];
  readonly now = () => this.time;
  readonly schedule = (run: () => void, ms: number) => {
    this.delays.push(ms);
    this.timers.push({ at: this.time + ms, run });
  };

  advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.timers.splice(this.timers.indexOf(due), 1);
      due.run();
    }
  }
}

/** An upstream that answers each request only when the test says so. */
class HeldUpstream implements Upstream {
  readonly name = "held";
  readonly calls: { path: string; answer(a: Error | string): void }[] = [];
  fetch(path: string): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      this.calls.push({ path, answer: (a) => (a instanceof Error ? reject(a) : resolve({ body: Readable.from([Buffer.from(a)]) })) });
    });
  }
}

const HOST = "upstream.test:8080";

/** Lets promise callbacks that follow an answer run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function tracked(options: HealthOptions = {}) {
  const clock = new FakeClock();
  const inner = new HeldUpstream();
  const metrics = new ProxyMetrics();
  const upstream = new HealthTrackedUpstream(inner, HOST, metrics, { now: clock.now, schedule: clock.schedule, random: () => 0.5, ...options });
  return { clock, inner, metrics, upstream };
}

async function fetches(metrics: ProxyMetrics, upstream: string, result: string): Promise<number> {
  const { values } = await metrics.upstreamFetches.get();
  return values.find((v) => v.labels.upstream === upstream && v.labels.result === result)?.value ?? 0;
}

async function upGauge(metrics: ProxyMetrics, upstream: string): Promise<number | undefined> {
  const { values } = await metrics.upstreamUp.get();
  return values.find((v) => v.labels.upstream === upstream)?.value;
}

/** Sends one request and fails it with `failure`, returning what the caller saw. */
async function failOnce(t: ReturnType<typeof tracked>, failure: Error, path = "example.com/m/@v/list"): Promise<unknown> {
  const pending = t.upstream.fetch(path);
  t.inner.calls[t.inner.calls.length - 1].answer(failure);
  return pending.catch((err: unknown) => err);
}

describe("upstream health tracking", () => {
  const outages: [string, () => Error][] = [
    ["a timeout", () => new UpstreamTimeoutError("no answer")],
    ["a refused connection", () => new UpstreamConnectionError("ECONNREFUSED")],
    ["502", () => new UpstreamStatusError("bad gateway", 502)],
    ["503", () => new UpstreamStatusError("unavailable", 503)],
    ["504", () => new UpstreamStatusError("gateway timeout", 504)],
  ];
  for (const [what, failure] of outages) {
    it(`after ${what}, fails fast with UpstreamDownError without asking the upstream`, async () => {
      const t = tracked();
      const err = failure();
      assert.equal(await failOnce(t, err), err);
      assert.equal(t.upstream.isUp(), false);
      for (let i = 0; i < 5; i++) {
        await assert.rejects(t.upstream.fetch("example.com/m/@v/v1.0.0.info"), (e: Error) => {
          assert.ok(e instanceof UpstreamDownError && e instanceof UpstreamError);
          assert.equal(e.message, `upstream ${HOST} is unreachable; retrying in 1s`);
          return true;
        });
      }
      assert.equal(t.inner.calls.length, 1);
      assert.equal(await fetches(t.metrics, HOST, "skipped_down"), 5);
      assert.equal(await upGauge(t.metrics, HOST), 0);
    });
  }

  for (const [what, failure] of outages) {
    it(`stays up for modules after ${what} of the checksum database it relays`, async () => {
      const t = tracked();
      const err = failure();
      assert.equal(await failOnce(t, err, "sumdb/sum.golang.org/lookup/example.com/m@v1.0.0"), err);
      assert.equal(t.upstream.isUp(), true);
      const next = t.upstream.fetch("example.com/m/@v/list");
      t.inner.calls[1].answer("v1.0.0\n");
      await next;
      assert.equal(await upGauge(t.metrics, HOST), 1);
    });
  }

  const answers: [string, () => Error][] = [
    ["404", () => new NotFoundError("no such module", 404)],
    ["410", () => new NotFoundError("gone", 410)],
    ["500", () => new UpstreamStatusError("could not fetch this module", 500)],
    ["403", () => new UpstreamStatusError("forbidden", 403)],
    ["bad content", () => new BadUpstreamContentError("not JSON")],
  ];
  for (const [what, failure] of answers) {
    it(`stays up after ${what}`, async () => {
      const t = tracked();
      await failOnce(t, failure());
      assert.equal(t.upstream.isUp(), true);
      const next = t.upstream.fetch("example.com/m/@v/list");
      t.inner.calls[1].answer("v1.0.0\n");
      await next;
      assert.equal(t.inner.calls.length, 2);
      assert.equal(await upGauge(t.metrics, HOST), 1);
    });
  }

  it("counts results and times them to the answer", async () => {
    const t = tracked();
    const ok = t.upstream.fetch("a");
    t.clock.advance(250);
    t.inner.calls[0].answer("body");
    await ok;
    await failOnce(t, new NotFoundError("nope"));
    await failOnce(t, new UpstreamStatusError("teapot", 418));
    await failOnce(t, new UpstreamTimeoutError("slow"));
    for (const result of ["ok", "not_found", "error", "timeout"]) assert.equal(await fetches(t.metrics, HOST, result), 1, result);
    const { values } = await t.metrics.upstreamFetchSeconds.get();
    assert.equal(values.find((v) => v.metricName === "modproxy_upstream_fetch_seconds_count")?.value, 4);
    assert.equal(values.find((v) => v.metricName === "modproxy_upstream_fetch_seconds_sum")?.value, 0.25);
  });

  it("probes the base URL once the window ends and is up again on an answer, probes uncounted", async () => {
    for (const answer of ["ok", new NotFoundError("nope", 404), new NotFoundError("gone", 410), new UpstreamStatusError("unauthorized", 401)]) {
      const t = tracked();
      await failOnce(t, new UpstreamTimeoutError("no answer"));
      t.clock.advance(999);
      assert.equal(t.inner.calls.length, 1, "probed before the window ended");
      t.clock.advance(1);
      assert.equal(t.inner.calls.length, 2);
      assert.equal(t.inner.calls[1].path, "");
      await assert.rejects(t.upstream.fetch("x"), /retrying in 0s/);
      t.inner.calls[1].answer(answer);
      await settle();
      assert.equal(t.upstream.isUp(), true, String(answer));
      assert.equal(await upGauge(t.metrics, HOST), 1);
      const next = t.upstream.fetch("example.com/m/@v/list");
      assert.equal(t.inner.calls.length, 3, "a request after the comeback did not reach the upstream");
      t.inner.calls[2].answer("v1.0.0\n");
      await next;
      assert.equal(await fetches(t.metrics, HOST, "ok"), 1);
      assert.equal(await fetches(t.metrics, HOST, "timeout"), 1);
      assert.equal(await fetches(t.metrics, HOST, "not_found"), 0);
    }
  });

  /** Takes the upstream down, then fails `probes` probes in a row; returns the windows drawn. */
  async function failProbes(t: ReturnType<typeof tracked>, probes: number): Promise<number[]> {
    await failOnce(t, new UpstreamConnectionError("ECONNREFUSED"));
    for (let i = 0; i < probes; i++) {
      t.clock.advance(t.clock.delays[t.clock.delays.length - 1]);
      t.inner.calls[t.inner.calls.length - 1].answer(new UpstreamTimeoutError("still nothing"));
      await settle();
      assert.equal(t.upstream.isUp(), false);
    }
    return t.clock.delays;
  }

  it("doubles the window's ceiling with every failed probe, up to 5 minutes", async () => {
    const ceilings = [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((s) => s * 1000);
    assert.deepEqual(
      await failProbes(tracked({ random: () => 0.5 }), 10),
      ceilings.map((c) => c / 2),
    );
  });

  it("draws each window anywhere below its ceiling (full jitter)", async () => {
    const draws = [0, 0.999, 0.25, 0.999, 0];
    const t = tracked({ random: () => draws.shift() as number });
    const [first, second, third, fourth, fifth] = await failProbes(t, 4);
    assert.equal(first, 0);
    assert.ok(second > 3990 && second < 4000, `second window ${second}`);
    assert.equal(third, 2000);
    assert.ok(fourth > 15980 && fourth < 16000, `fourth window ${fourth}`);
    assert.equal(fifth, 0);
  });

  it("follows its settings for the first ceiling and the largest", async () => {
    const windows = await failProbes(tracked({ random: () => 0.5, initialBackoffMs: 100, maxBackoffMs: 350 }), 4);
    assert.deepEqual(windows, [50, 100, 175, 175, 175]);
  });

  it("starts from the first ceiling again once a probe succeeds", async () => {
    const t = tracked();
    await failProbes(t, 3);
    t.clock.advance(t.clock.delays[3]);
    t.inner.calls[4].answer(new NotFoundError("nope"));
    await settle();
    assert.equal(t.upstream.isUp(), true);
    await failOnce(t, new UpstreamTimeoutError("no answer"));
    assert.deepEqual(t.clock.delays, [1000, 2000, 4000, 8000, 1000]);
  });

  it("while a probe hangs, 20 concurrent requests fail fast and only the probe reaches the upstream", async () => {
    const t = tracked();
    await failOnce(t, new UpstreamTimeoutError("no answer"));
    t.clock.advance(1000);
    assert.equal(t.inner.calls.length, 2);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => t.upstream.fetch(`example.com/m${i}/@v/list`)));
    assert.ok(outcomes.every((o) => o.status === "rejected" && o.reason instanceof UpstreamDownError));
    assert.equal(t.inner.calls.length, 2);
    assert.equal(await fetches(t.metrics, HOST, "skipped_down"), 20);
    t.inner.calls[1].answer(new UpstreamTimeoutError("no answer"));
    await settle();
    assert.equal(t.upstream.isUp(), false);
    assert.deepEqual(t.clock.delays, [1000, 2000], "the failed probe did not open the next window");
  });

  it("is up again when a request sent before the outage gets an answer", async () => {
    const t = tracked();
    const early = t.upstream.fetch("a");
    const late = t.upstream.fetch("b");
    t.inner.calls[0].answer(new UpstreamTimeoutError("no answer"));
    await assert.rejects(early, UpstreamTimeoutError);
    assert.equal(t.upstream.isUp(), false);
    t.inner.calls[1].answer("body");
    await late;
    assert.equal(t.upstream.isUp(), true);
    assert.equal(await upGauge(t.metrics, HOST), 1);
  });

  it("is not taken down again by a failure that started before it came back", async () => {
    const t = tracked();
    const first = t.upstream.fetch("a").catch(() => undefined);
    const stale = t.upstream.fetch("b").catch(() => undefined);
    t.inner.calls[0].answer(new UpstreamTimeoutError("no answer"));
    await first;
    t.clock.advance(1000);
    t.inner.calls[2].answer(new NotFoundError("probe"));
    await settle();
    assert.equal(t.upstream.isUp(), true);
    t.inner.calls[1].answer(new UpstreamTimeoutError("no answer"));
    await stale;
    assert.equal(t.upstream.isUp(), true);
  });

  it("does not probe on the timer of a window that closed early", async () => {
    const draws = [0.3, 0.9];
    const t = tracked({ random: () => draws.shift() as number });
    const first = t.upstream.fetch("a").catch(() => undefined);
    const inFlight = t.upstream.fetch("b");
    t.inner.calls[0].answer(new UpstreamTimeoutError("no answer"));
    await first;
    t.inner.calls[1].answer("body");
    await inFlight;
    await failOnce(t, new UpstreamTimeoutError("no answer"));
    assert.deepEqual(t.clock.delays, [600, 1800]);
    t.clock.advance(600);
    assert.equal(t.inner.calls.length, 3, "probed when the closed window's timer fired");
    t.clock.advance(1200);
    assert.equal(t.inner.calls.length, 4);
  });

  it("drops a probe's late failure once a request has brought it back", async () => {
    const t = tracked();
    const first = t.upstream.fetch("a").catch(() => undefined);
    const inFlight = t.upstream.fetch("b");
    t.inner.calls[0].answer(new UpstreamTimeoutError("no answer"));
    await first;
    t.clock.advance(1000);
    t.inner.calls[1].answer("body");
    await inFlight;
    t.inner.calls[2].answer(new UpstreamTimeoutError("probe timed out"));
    await settle();
    assert.equal(t.upstream.isUp(), true);
    assert.deepEqual(t.clock.delays, [1000], "a window opened for a probe that no longer mattered");
  });
});

async function listening<S extends Server | http.Server>(server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function read(res: UpstreamResponse): Promise<string> {
  let s = "";
  for await (const c of res.body) s += c;
  return s;
}

describe("upstream health over loopback", () => {
  it("pays a black hole's timeout once, then falls through at once", async () => {
    const holeSockets = new Set<Socket>();
    // Accepts connections and never writes, as a firewall that drops packets looks to a client.
    const hole = createServer((socket) => holeSockets.add(socket));
    const good = http.createServer((_req, res) => res.end("v1.0.0\n"));
    const timers: NodeJS.Timeout[] = [];
    try {
      const holePort = await listening(hole);
      const goodPort = await listening(good);
      const metrics = new ProxyMetrics();
      const chain = upstreamFromList(`http://127.0.0.1:${holePort}/go|http://127.0.0.1:${goodPort}`, {
        timeoutMs: 300,
        metrics,
        // The longest first window (just under 2 s), and timers the test can clear.
        health: { random: () => 0.99, schedule: (run, ms) => void timers.push(setTimeout(run, ms)) },
      });
      assert.equal(await read(await chain.fetch("example.com/m/@v/list")), "v1.0.0\n");
      assert.equal(holeSockets.size, 1);

      const started = Date.now();
      for (let i = 0; i < 50; i++) assert.equal(await read(await chain.fetch(`example.com/m${i}/@v/list`)), "v1.0.0\n");
      const elapsed = Date.now() - started;
      // Paying the timeout each time would take 15 s.
      assert.ok(elapsed < 7_500, `50 requests took ${elapsed} ms`);
      assert.ok(holeSockets.size <= 3, `the black hole saw ${holeSockets.size - 1} connections during the 50 requests`);

      const holeLabel = `127.0.0.1:${holePort}`;
      const goodLabel = `127.0.0.1:${goodPort}`;
      assert.equal(await fetches(metrics, holeLabel, "timeout"), 1);
      assert.equal(await fetches(metrics, holeLabel, "skipped_down"), 50);
      assert.equal(await fetches(metrics, goodLabel, "ok"), 51);
      assert.equal(await upGauge(metrics, holeLabel), 0);
      assert.equal(await upGauge(metrics, goodLabel), 1);
      const exposed = await metrics.registry.metrics();
      assert.ok(!exposed.includes("secret") && !exposed.includes("/go"), "a metric label carries the upstream's credentials or path");
    } finally {
      timers.forEach(clearTimeout);
      holeSockets.forEach((s) => s.destroy());
      await new Promise((resolve) => hole.close(resolve));
      good.closeAllConnections();
      await new Promise((resolve) => good.close(resolve));
    }
  });

  it("probes a down upstream at its base URL with real timers and takes it back", async () => {
    const paths: string[] = [];
    let unavailable = true;
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(unavailable ? 503 : 404).end();
    });
    try {
      const port = await listening(server);
      const upstream = new HealthTrackedUpstream(new HttpProxyUpstream(`http://127.0.0.1:${port}/prefix`, 5_000), `127.0.0.1:${port}`, new ProxyMetrics(), {
        initialBackoffMs: 50,
      });
      await assert.rejects(upstream.fetch("example.com/m/@v/list"), (e) => e instanceof UpstreamStatusError && e.status === 503);
      unavailable = false;
      await assert.rejects(upstream.fetch("example.com/m/@v/list"), UpstreamDownError);
      for (let i = 0; i < 250 && !upstream.isUp(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(upstream.isUp(), true);
      await assert.rejects(upstream.fetch("example.com/m/@v/list"), NotFoundError);
      assert.equal(paths[0], "/prefix/example.com/m/@v/list");
      assert.equal(paths[paths.length - 1], "/prefix/example.com/m/@v/list");
      assert.ok(paths.length >= 3);
      assert.ok(
        paths.slice(1, -1).every((p) => p === "/prefix/"),
        `not only probes between the requests: ${paths.join(" ")}`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
