import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { assertDownloadedSums } from "../support/sum-checks";

// MODPROXY_VERIFY as the README promises it, with the real go command, for a
// network whose module mirror answers but whose checksum database does not:
// "require" publishes nothing the database has not vouched for; with
// "when-available" the module is served and stored marked unverified.

const GREET = "example.com/fixture/greet";

describe("MODPROXY_VERIFY with the checksum database out of reach", function () {
  let env: ModproxyOverFixtures;
  const sandboxes: GoSandbox[] = [];

  /** A client in such a network cannot verify either: it downloads with GOSUMDB=off. */
  async function client(): Promise<GoSandbox> {
    const go = await createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: "off" });
    sandboxes.push(go);
    return go;
  }

  async function metric(name: string): Promise<string[]> {
    const text = await (await fetch(`${env.proxy.url}/metrics`)).text();
    return text.split("\n").filter((l) => l.startsWith(name));
  }

  async function meta(version: string): Promise<{ checksum: string } | undefined> {
    const file = path.join(env.storageDir, GREET, "@v", `${version}.zip.meta`);
    return fs.readFile(file, "utf8").then(
      (t) => JSON.parse(t) as { checksum: string },
      () => undefined,
    );
  }

  before(async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 3000 });
    env.upstream.sumdbBehaviour = "unreachable";
  });

  after(async function () {
    for (const go of sandboxes.splice(0)) await go.remove();
    await env?.stop();
  });

  it("with require (the default), refuses a module the database cannot vouch for and stores none of it", async function () {
    const go = await client();
    const result = await go.run(["mod", "download", `${GREET}@v1.1.0`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /502 Bad Gateway\n\tserver response: .*the checksum database .* cannot be reached/);
    assert.equal(await meta("v1.1.0"), undefined);
    assert.deepEqual(await metric('modproxy_verify_mode{mode="require"}'), ['modproxy_verify_mode{mode="require"} 1']);
  });

  it("with when-available, serves the module, stores it marked unverified and counts it", async function () {
    await env.restartProxy({ verify: "when-available" });
    const go = await client();
    const result = await go.runOk(["mod", "download", "-json", `${GREET}@v1.1.0`]);
    assertDownloadedSums(env.tree, parseJsonStream<DownloadedModule>(result.stdout), [`${GREET}@v1.1.0`]);
    assert.equal((await meta("v1.1.0"))?.checksum, "unverified");
    const [unverified] = await metric("modproxy_unverified_versions ");
    assert.ok(Number(unverified.split(" ")[1]) >= 1, unverified);
    assert.deepEqual(await metric('modproxy_verify_mode{mode="when-available"}'), ['modproxy_verify_mode{mode="when-available"} 1']);
  });
});
