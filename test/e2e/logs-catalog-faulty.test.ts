import * as assert from "node:assert/strict";
import { createLogs } from "../../proxy-app/src/logs";
import { startFaultyUpstream, FaultyUpstream } from "../support/faulty-upstream";
import { eventually } from "../support/eventually";
import { createGoSandbox, GoSandbox } from "../support/go";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";

// The logs and the catalog as an operator reads them after the go command met
// an upstream that lied (a zip with one byte changed), then after it healed,
// then with it gone: the refused download shows in the access log with its
// status and no cache outcome and is not audited; the healed one is a miss
// from the upstream, audited, and listed verified in /catalog and /index; with
// the upstream down the stored version is still a hit.

const GREET = "example.com/fixture/greet";
const VERSION = "v1.2.0";
const ZIP = `/${GREET}/@v/${VERSION}.zip`;

type Line = Record<string, unknown>;

describe("the logs and the catalog after go met a lying, then a healed, then a missing upstream", function () {
  this.timeout(180_000);
  let env: ModproxyOverFixtures<FaultyUpstream>;
  const raw: string[] = [];
  const sandboxes: GoSandbox[] = [];
  const started = new Date().toISOString();
  const lines = () => raw.map((l) => JSON.parse(l) as Line);
  const zipLines = (type: string) =>
    lines().filter((l) => l.type === type && (l.path === ZIP || (l.module === GREET && l.version === VERSION && l.file === "zip")));

  /** A client with an empty module cache that verifies against the fixtures' checksum database, as GOSUMDB's default does against the public one. */
  async function freshClient(): Promise<GoSandbox> {
    const go = await createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: env.sumdb!.vkey });
    sandboxes.push(go);
    return go;
  }

  before(async function () {
    const logs = createLogs(
      { level: "info", format: "json", audit: "stdout" },
      { stdout: { write: (chunk: string) => void raw.push(...chunk.split("\n").filter((l) => l !== "")) } },
    );
    env = await startModproxyOverFixtures<FaultyUpstream>({
      upstreamTimeoutMs: 5000,
      logs,
      // As `modproxy serve` wires it: what the proxy's parts report goes to the event stream.
      log: (msg) => logs.events.warn(msg),
      startUpstream: (tree, sumdb) => startFaultyUpstream(tree.dir, sumdb),
    });
  });
  after(async function () {
    for (const go of sandboxes.splice(0)) await go.remove();
    await env?.stop();
  });

  it("logs the refused zip with its status, no cache outcome and no audit line", async function () {
    env.upstream.inject(ZIP, "tampered-zip");
    const result = await (await freshClient()).run(["mod", "download", `${GREET}@${VERSION}`]);
    assert.notEqual(result.code, 0, result.stderr);
    assert.match(result.stderr, /502 Bad Gateway/);
    const access = zipLines("access");
    assert.ok(access.length > 0, `no access line for ${ZIP}:\n${raw.join("\n")}`);
    for (const l of access) {
      assert.equal(l.status, 502, JSON.stringify(l));
      assert.equal(l.cache, undefined, JSON.stringify(l));
      assert.equal(l.upstream, undefined, JSON.stringify(l));
    }
    assert.deepEqual(zipLines("audit"), [], "a refused zip is not audited");
    const refused = lines().filter((l) => l.type === "event" && l.level === "warn" && String(l.msg).includes(`${GREET}@${VERSION}`));
    assert.ok(
      refused.some((l) => /refused \([\w-]+ check\)/.test(String(l.msg))),
      `no event line says the zip failed its check:\n${raw.join("\n")}`,
    );
  });

  it("once healed, logs a miss from the upstream, audits it and lists it verified in /catalog and /index", async function () {
    env.upstream.heal();
    raw.splice(0);
    await (await freshClient()).runOk(["mod", "download", `${GREET}@${VERSION}`]);
    const [access] = zipLines("access");
    assert.equal(access?.status, 200, raw.join("\n"));
    assert.equal(access.cache, "miss");
    assert.equal(access.upstream, new URL(env.upstream.url).host);
    assert.equal(zipLines("audit").length, 1, raw.join("\n"));

    // The catalog is a snapshot of the store renewed every few seconds.
    const listed = await eventually(async () => {
      const res = await fetch(`${env.proxy.url}/catalog?q=${encodeURIComponent(`${GREET}@${VERSION}`)}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { versions: Line[] };
      const row = body.versions.find((v) => v.path === GREET && v.version === VERSION);
      assert.ok(row, JSON.stringify(body));
      return row;
    }, 20_000);
    assert.equal(listed.verification, "verified", JSON.stringify(listed));
    assert.deepEqual(listed.files, ["info", "mod", "zip"], JSON.stringify(listed));

    const index = await fetch(`${env.proxy.url}/index?since=${encodeURIComponent(started)}`);
    assert.equal(index.status, 200);
    const entries = (await index.text())
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Line);
    assert.ok(
      entries.some((e) => e.Path === GREET && e.Version === VERSION),
      JSON.stringify(entries),
    );
  });

  it("with the upstream gone, serves the stored zip as a hit and logs a refusal for what it lacks", async function () {
    await env.stopUpstream();
    raw.splice(0);
    const go = await freshClient();
    await go.runOk(["mod", "download", `${GREET}@${VERSION}`]);
    const [hit] = zipLines("access");
    assert.equal(hit?.status, 200, raw.join("\n"));
    assert.ok(hit.cache === "hit" || hit.cache === "hit-memory", String(hit.cache));
    assert.equal(hit.upstream, undefined);

    const missing = await go.run(["mod", "download", `${GREET}@v1.1.0`]);
    assert.notEqual(missing.code, 0, missing.stderr);
    const refused = lines().filter((l) => l.type === "access" && l.path === `/${GREET}/@v/v1.1.0.info`);
    assert.ok(refused.length > 0, raw.join("\n"));
    for (const l of refused) {
      assert.ok(Number(l.status) >= 400, JSON.stringify(l));
      assert.equal(l.cache, undefined, JSON.stringify(l));
    }
  });
});
