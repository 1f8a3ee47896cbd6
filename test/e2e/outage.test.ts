import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { defaultOf } from "../../proxy-app/src/config";
import { startBlackHole } from "../support/black-hole";
import { createGoSandbox, GoSandbox } from "../support/go";
import { readGoSum } from "../support/go-output";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { assertGoSumMatches } from "../support/sum-checks";

// Issue 8: builds keep working through an outage. A verifying client warms
// the proxy; then, for each way the upstream can be gone, a fresh verifying
// client (empty module cache, no checksum-database state) tidies a module and downloads its modules,
// gets a module at its latest version and lists its versions, through the
// proxy alone, and records the fixture hashes.

const GREET = "example.com/fixture/greet";

const MAIN_PROGRAM = `package main

import (
	"fmt"

	applib "example.com/fixture/app-lib"
	"example.com/fixture/legacy"
)

func main() {
	fmt.Println(applib.Welcome("outage"), legacy.Version())
}
`;

/** What go mod tidy of MAIN_PROGRAM needs: the latest app-lib and legacy, and app-lib's requirements. */
const TIDY_MODULES = ["example.com/fixture/app-lib@v1.0.0", "example.com/fixture/legacy@v1.0.0", `${GREET}@v1.1.0`, "example.com/Fixture/MixedCase@v1.0.0"];

/** The highest release; the prerelease is listed but not picked. */
const GREET_LATEST = "v1.2.0";
const GREET_VERSIONS = `${GREET} v1.0.0 v1.1.0 v1.2.0 v1.3.0-rc.1`;
/** Without its upstream the proxy lists only what it can serve: the versions whose zips the warm-up fetched (tidy's and get's). */
const GREET_CACHED_VERSIONS = `${GREET} v1.1.0 v1.2.0`;

/**
 * A bound for the black-hole round below one upstream timeout (30 s): no request of the round may wait it out.
 * The round takes about 5 s here (a few 1 s graces before the upstream is known down), so the margin is wide.
 */
const BLACK_HOLE_ROUND_MS = 25_000;

interface Round {
  tidyMs: number;
  /** Absent when the round skipped go mod download. */
  downloadMs?: number;
  getMs: number;
  listMs: number;
  totalMs: number;
}

describe("builds through an upstream outage", function () {
  this.timeout(120_000);
  let env: ModproxyOverFixtures;
  let log: string[] = [];
  const record = (msg: string) => log.push(msg);

  /** A client that verifies every module through the proxy, exactly as a default client does. */
  function freshClient(): Promise<GoSandbox> {
    return createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: env.sumdb!.vkey });
  }

  async function timed<T>(step: () => Promise<T>): Promise<[T, number]> {
    const started = performance.now();
    const result = await step();
    return [result, performance.now() - started];
  }

  /** go mod tidy and download, go get and go list -m -versions by a fresh client, each checked against the fixtures. */
  async function round({ versions = GREET_VERSIONS, download = true } = {}): Promise<Round> {
    const go = await freshClient();
    try {
      const started = performance.now();
      const tidyDir = await go.newWorkDir();
      await go.runOk(["mod", "init", "example.com/e2e/outage"], { cwd: tidyDir });
      await fs.writeFile(path.join(tidyDir, "main.go"), MAIN_PROGRAM);
      const [, tidyMs] = await timed(() => go.runOk(["mod", "tidy"], { cwd: tidyDir }));
      assertGoSumMatches(env.tree, await readGoSum(path.join(tidyDir, "go.sum")), TIDY_MODULES);
      // As a CI job or a docker build does next: it asks for every module's .info, which tidy fetched only for app-lib and legacy.
      const [, downloadMs] = download ? await timed(() => go.runOk(["mod", "download"], { cwd: tidyDir })) : [];

      const getDir = await go.newWorkDir();
      await go.runOk(["mod", "init", "example.com/e2e/getter"], { cwd: getDir });
      const [, getMs] = await timed(() => go.runOk(["get", GREET], { cwd: getDir }));
      assert.equal((await go.runOk(["list", "-m", GREET], { cwd: getDir })).stdout.trim(), `${GREET} ${GREET_LATEST}`);
      assertGoSumMatches(env.tree, await readGoSum(path.join(getDir, "go.sum")), [`${GREET}@${GREET_LATEST}`]);

      const [listed, listMs] = await timed(() => go.runOk(["list", "-m", "-versions", GREET], { cwd: getDir }));
      assert.equal(listed.stdout.trim(), versions);
      return { tidyMs, downloadMs, getMs, listMs, totalMs: performance.now() - started };
    } catch (err) {
      (err as Error).message += `\nthe proxy logged:\n${log.join("\n")}`;
      throw err;
    } finally {
      await go.remove();
    }
  }

  function report(state: string, r: Round, extra = ""): void {
    const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
    console.log(
      `      outage ${state}: tidy ${s(r.tidyMs)}, download ${r.downloadMs === undefined ? "-" : s(r.downloadMs)}, get ${s(r.getMs)}, list ${s(r.listMs)}, round ${s(r.totalMs)}${extra}`,
    );
  }

  before(async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, log: record });
    // What a developer runs: nothing in it fetches the .info of app-lib's requirements.
    report("none (warm-up)", await round({ download: false }));
  });

  beforeEach(function () {
    log = [];
  });

  after(async function () {
    await env?.stop();
  });

  // The outages come first: with the upstream up, a round fetches what the warm-up left out (.info files).
  it("serves a fresh client from its cache with the upstream refusing connections", async function () {
    await env.restartProxy({ upstream: await stoppedServerUrl() }, record);
    report("refusing", await round({ versions: GREET_CACHED_VERSIONS }));
  });

  it("finishes the round well within the timeout with a black-holed upstream and the default upstream timeout", async function () {
    const hole = await startBlackHole();
    try {
      const proxy = await env.restartProxy({ upstream: hole.url, upstreamTimeoutMs: defaultOf("upstreamTimeoutMs") }, record);
      const listUrl = `${proxy.url}/${GREET}/@v/list`;
      const before = await timedGet(listUrl);
      const r = await round({ versions: GREET_CACHED_VERSIONS });
      await waitForUpstreamDown(proxy.url, new URL(hole.url).host);
      const after = await timedGet(listUrl);
      report("black hole", r, `; one list request ${before.ms.toFixed(0)} ms before the backoff, ${after.ms.toFixed(0)} ms after`);
      assert.equal(before.status, 200);
      assert.equal(after.status, 200);
      assert.ok(r.totalMs < BLACK_HOLE_ROUND_MS, `the round took ${r.totalMs.toFixed(0)} ms`);
    } finally {
      await hole.close();
    }
  });

  it("serves a fresh client from its cache with the upstream set to off", async function () {
    await env.restartProxy({ upstream: "off" }, record);
    report("off", await round({ versions: GREET_CACHED_VERSIONS }));
  });

  it("verifies cached modules while the checksum database alone answers 502, and keeps the upstream for modules", async function () {
    env.upstream.sumdbBehaviour = "unreachable";
    try {
      const proxy = await env.restartProxy({}, record);
      // A version it does not hold cannot be verified now, and is refused.
      const uncached = await timedGet(`${proxy.url}/${GREET}/@v/v1.0.0.mod`);
      assert.equal(uncached.status, 502);
      assert.equal(await upstreamUp(proxy.url, new URL(env.upstream.url).host), 1, "the database's failure took the upstream down");
      report("sumdb 502", await round());
    } finally {
      env.upstream.sumdbBehaviour = "serve";
    }
  });

  it("verifies cached modules while the checksum database alone hangs", async function () {
    env.upstream.sumdbBehaviour = "hang";
    try {
      await env.restartProxy({}, record);
      report("sumdb hangs", await round());
    } finally {
      env.upstream.sumdbBehaviour = "serve";
    }
  });
});

/** The URL of a server that has stopped: nothing listens on its port, so connections are refused. */
async function stoppedServerUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      })
      .on("error", reject);
  });
}

/** The proxy's modproxy_upstream_up for the upstream at `host`. */
async function upstreamUp(proxyUrl: string, host: string): Promise<number | undefined> {
  const metrics = await new Promise<string>((resolve, reject) => {
    http
      .get(`${proxyUrl}/metrics`, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(text));
      })
      .on("error", reject);
  });
  const line = metrics.split("\n").find((l) => l.startsWith(`modproxy_upstream_up{upstream="${host}"} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

/** Waits until the proxy takes the upstream at `host` for down, as one timeout makes it. */
async function waitForUpstreamDown(proxyUrl: string, host: string): Promise<void> {
  const deadline = performance.now() + defaultOf("upstreamTimeoutMs") + 10_000;
  while (performance.now() < deadline) {
    if ((await upstreamUp(proxyUrl, host)) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the upstream ${host} was never marked down`);
}
