import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest } from "../support/raw-http";
import { startStaticServer, StaticServer } from "../support/static-server";

// modproxy's upstream setting in GOPROXY syntax, seen from outside: ","
// falls through only on 404/410, "|" on any error, "off" ends the list.

const INFO = "/example.com/fixture/greet/@v/v1.2.0.info";

describe("modproxy upstream lists", function () {
  let emptyDir: string;
  /** An upstream that knows no modules: it answers 404 to everything. */
  let empty: StaticServer;
  /** An upstream that answers 500 to everything. */
  let failing: StaticServer;
  let env: ModproxyOverFixtures | undefined;

  before(async function () {
    emptyDir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-empty-upstream-"));
    empty = await startStaticServer(emptyDir);
    failing = await startStaticServer(emptyDir);
    failing.behaviour = "fail";
  });

  afterEach(async function () {
    await env?.stop();
    env = undefined;
  });

  after(async function () {
    await empty?.close();
    await failing?.close();
    await fs.rm(emptyDir, { recursive: true, force: true });
  });

  async function answerThrough(upstreamList: (fixtureUrl: string) => string) {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, upstreamList });
    return rawRequest(env.proxy.url, INFO);
  }

  it('"," falls through to the next upstream on 404', async function () {
    const response = await answerThrough((fixture) => `${empty.url},${fixture}`);
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body.toString()).Version, "v1.2.0");
  });

  it('"," does not fall through on 500: the client gets 502', async function () {
    const response = await answerThrough((fixture) => `${failing.url},${fixture}`);
    assert.equal(response.status, 502);
    assert.ok(env && !env.upstream.requests.some((r) => r.path === INFO), "the upstream after the failing one was asked");
  });

  it('"|" falls through on 500', async function () {
    const response = await answerThrough((fixture) => `${failing.url}|${fixture}`);
    assert.equal(response.status, 200);
  });

  it('"off" ends the list: an uncached version is "not here" (404 or 410) and the next upstream is not asked', async function () {
    const response = await answerThrough((fixture) => `${empty.url},off,${fixture}`);
    assert.ok([404, 410].includes(response.status), `got ${response.status}`);
    assert.ok(env && env.upstream.requests.length === 0, "the upstream after off was asked");
  });
});
