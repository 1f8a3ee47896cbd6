import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { startTestSumdb, SumdbRecord, sumdbRecordsFor, TestSumdb } from "../support/sumdb";
import { assertDownloadedSums } from "../support/sum-checks";

// The go command with checksum verification on and only modproxy reachable:
// GOSUMDB names the fixture database by its key alone, so go asks
// <proxy>/sumdb/<name>/... and would otherwise try https://<name>, which does
// not resolve here. modproxy reaches the database at its URL.

const GREET = "example.com/fixture/greet";

describe("the checksum database through modproxy", function () {
  let env: ModproxyOverFixtures;
  let sumdb: TestSumdb;
  const sandboxes: GoSandbox[] = [];

  /** A client with an empty module cache and no checksum-database state of its own. */
  async function freshClient(): Promise<GoSandbox> {
    const go = await createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: sumdb.vkey });
    sandboxes.push(go);
    return go;
  }

  afterEach(async function () {
    for (const go of sandboxes.splice(0)) await go.remove();
    await env?.stop();
    await sumdb?.close();
  });

  /** Starts the database (on the fixture hashes, or altered ones) and a proxy that reaches it at its URL. */
  async function start(alter: (records: SumdbRecord[], tree: GoproxyTree) => SumdbRecord[] = (r) => r): Promise<void> {
    // Fixture hashes depend only on the fixture files, so a tree of their own gives the database's records.
    const tree = await buildGoproxyTree();
    try {
      sumdb = await startTestSumdb(alter(sumdbRecordsFor(tree), tree));
    } finally {
      await tree.remove();
    }
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, sumdb: false, config: { goSumDb: sumdb.gosumdb } });
  }

  it("verifies every download through the proxy, and again from its cache once the database and upstream are gone", async function () {
    await start();
    const first = await freshClient();
    const downloaded = await first.runOk(["mod", "download", "-json", ...env.tree.allVersions]);
    assertDownloadedSums(env.tree, parseJsonStream<DownloadedModule>(downloaded.stdout), env.tree.allVersions);
    assert.ok(
      sumdb.requests.some((p) => p.startsWith("/lookup/")),
      "lookups reached the database through the proxy",
    );
    assert.ok(
      sumdb.requests.some((p) => p.startsWith("/tile/")),
      "tiles reached the database through the proxy",
    );

    await sumdb.close();
    await env.stopUpstream();
    const second = await freshClient();
    const again = await second.runOk(["mod", "download", "-json", ...env.tree.allVersions]);
    assertDownloadedSums(env.tree, parseJsonStream<DownloadedModule>(again.stdout), env.tree.allVersions);
  });

  it("refuses a module the database disagrees with, stores nothing of it, and serves the rest", async function () {
    // The database claims greet v1.0.0's zip has v1.1.0's hash.
    await start((records, tree) =>
      records.map((r) =>
        r.module === GREET && r.version === "v1.0.0"
          ? { ...r, goSumLines: [`${GREET} v1.0.0 ${tree.hashes.get(`${GREET}@v1.1.0`)!.zip}`, r.goSumLines[1]] }
          : r,
      ),
    );
    for (const go of [await freshClient(), await createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: "off" })]) {
      if (!sandboxes.includes(go)) sandboxes.push(go);
      const bad = await go.run(["mod", "download", `${GREET}@v1.0.0`]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /502 Bad Gateway/);
      assert.match(bad.stderr, /the checksum database sum\.test\.example records h1:/);
      await go.runOk(["mod", "download", `${GREET}@v1.1.0`]);
    }
    const stored = await fs.readdir(path.join(env.storageDir, "example.com/fixture/greet/@v"));
    assert.ok(!stored.some((f) => f.startsWith("v1.0.0.zip")), stored.join());
  });
});
