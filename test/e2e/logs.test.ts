import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createLogs } from "../../proxy-app/src/logs";
import { encodeCase } from "../../proxy-app/src/module-path";
import { createGoSandbox, GoSandbox } from "../support/go";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { makeLoopbackCertificate } from "../support/tls";

// `go mod download` as CI runs it, its token in .netrc over HTTPS: the proxy's
// access log has a line for each file the go command asked for, and its audit
// log names the token (by name) and every module version it was given.

const TOKEN = "e2e-token-5d1f9a3c7b";
const MODULES = ["example.com/fixture/greet@v1.2.0", "example.com/Fixture/MixedCase@v1.0.0"];

type Line = Record<string, unknown>;

describe("the go command's downloads in the access and audit logs", function () {
  this.timeout(180_000);
  let env: ModproxyOverFixtures;
  let go: GoSandbox;
  let dir: string;
  const raw: string[] = [];

  before(async function () {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-e2e-logs-"));
    const tokens = path.join(dir, "tokens");
    await fs.writeFile(tokens, `ci-builds ${TOKEN}\n`);
    const { certFile, keyFile } = await makeLoopbackCertificate(dir);
    const logs = createLogs(
      { level: "info", format: "json", audit: "stdout" },
      { stdout: { write: (chunk: string) => void raw.push(...chunk.split("\n").filter((l) => l !== "")) } },
    );
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, logs, config: { authTokensFile: tokens, tlsCertFile: certFile, tlsKeyFile: keyFile } });
    go = await createGoSandbox(env.proxy.url, { SSL_CERT_FILE: certFile });
    await fs.writeFile(path.join(go.root, "home", ".netrc"), `machine ${new URL(env.proxy.url).host} login ci password ${TOKEN}\n`, { mode: 0o600 });
  });
  after(async function () {
    await go?.remove();
    await env?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("writes access lines for what go mod download asked and audit lines for the versions it fetched", async function () {
    await go.runOk(["mod", "download", "-json", ...MODULES]);
    const lines = raw.map((l) => JSON.parse(l) as Line);
    // The go command percent-encodes the "!" of case-encoded paths; the log keeps the path as it came.
    const access = lines.filter((l) => l.type === "access").map((l): Line => ({ ...l, path: decodeURIComponent(String(l.path)) }));
    const audit = lines.filter((l) => l.type === "audit");
    for (const mv of MODULES) {
      const [module, version] = mv.split("@");
      const prefix = `/${encodeCase(module)}/@v/${encodeCase(version)}.`;
      for (const file of ["info", "mod", "zip"]) {
        const hit = access.find((l) => l.path === prefix + file && l.status === 200);
        assert.ok(hit, `no access line for ${prefix}${file}:\n${raw.join("\n")}`);
        assert.equal(hit.client, "ci-builds");
        assert.equal(hit.method, "GET");
        assert.ok(["miss", "hit", "hit-memory"].includes(String(hit.cache)), String(hit.cache));
        if (hit.cache === "miss") assert.equal(hit.upstream, new URL(env.upstream.url).host);
        assert.ok(Number(hit.bytes) > 0);
      }
      const zip = access.find((l) => l.path === `${prefix}zip`);
      assert.equal(zip?.cache, "miss", "the first download of a zip comes from the upstream");
      assert.deepEqual(
        audit
          .filter((l) => l.module === module && l.version === version)
          .map((l) => l.file)
          .sort(),
        ["info", "mod", "zip"],
      );
    }
    for (const l of audit) assert.equal(l.client, "ci-builds");
    for (const l of raw) assert.ok(!l.includes(TOKEN), l);
  });
});
