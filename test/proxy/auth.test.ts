import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TokenAuthenticator, TokenFileError } from "../../proxy-app/src/auth";
import { createGoSandbox, GoSandbox } from "../support/go";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest } from "../support/raw-http";
import { makeLoopbackCertificate } from "../support/tls";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("client token authentication", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-auth-"));
    file = path.join(dir, "tokens");
    await fs.writeFile(file, "# CI runners\ntoken-one\n\n  token-two  \n");
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("accepts a listed token as Bearer or as the Basic password, with any user", async () => {
    const auth = await TokenAuthenticator.fromFile(file);
    assert.ok(await auth.identify("Bearer token-one"));
    assert.ok(await auth.identify(basic("ci", "token-two")));
    assert.ok(await auth.identify(basic("", "token-one")));
  });

  it("refuses missing, unknown, partial and malformed credentials, and comments", async () => {
    const auth = await TokenAuthenticator.fromFile(file);
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer token",
      "Bearer token-one-more",
      basic("token-one", ""),
      "Basic !!!",
      "Digest token-one",
      "Bearer # CI runners",
      basic("x", "# CI runners"),
    ]) {
      assert.equal(await auth.identify(header), undefined, String(header));
    }
  });

  it("refuses to start on a missing or empty token file", async () => {
    await assert.rejects(TokenAuthenticator.fromFile(path.join(dir, "nope")), TokenFileError);
    await fs.writeFile(file, "# nothing yet\n\n");
    await assert.rejects(TokenAuthenticator.fromFile(file), /holds no tokens/);
  });

  it("picks up a rotated file and keeps the last good tokens when the new one is empty", async () => {
    const auth = await TokenAuthenticator.fromFile(file, { recheckMs: 0 });
    await fs.writeFile(file, "token-three\n");
    await fs.utimes(file, new Date(), new Date(Date.now() + 5_000));
    assert.ok(await auth.identify("Bearer token-three"));
    assert.equal(await auth.identify("Bearer token-one"), undefined);
    await fs.writeFile(file, "");
    await fs.utimes(file, new Date(), new Date(Date.now() + 10_000));
    assert.ok(await auth.identify("Bearer token-three"));
  });
});

// The go command sends .netrc credentials only over HTTPS, so this proxy serves TLS itself.
describe("the go command against an HTTPS proxy that needs a token", function () {
  let env: ModproxyOverFixtures;
  let go: GoSandbox;
  let tokensDir: string;
  const MODULE = "example.com/fixture/greet@v1.2.0";

  before(async function () {
    tokensDir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-auth-"));
    const tokens = path.join(tokensDir, "tokens");
    await fs.writeFile(tokens, "s3cret-for-ci\n");
    const { certFile, keyFile } = await makeLoopbackCertificate(tokensDir);
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, config: { authTokensFile: tokens, tlsCertFile: certFile, tlsKeyFile: keyFile } });
    assert.match(env.proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    go = await createGoSandbox(env.proxy.url, { SSL_CERT_FILE: certFile });
  });
  after(async function () {
    await go?.remove();
    await env?.stop();
    await fs.rm(tokensDir, { recursive: true, force: true });
  });

  it("is refused without credentials, with go reporting 401", async function () {
    const r = await go.run(["mod", "download", MODULE]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /401 Unauthorized/);
    assert.deepEqual(env.upstream.requests, [], "an unauthenticated request reached the upstream");
  });

  it("downloads with the token in .netrc, as developers and CI set it up", async function () {
    const { host } = new URL(env.proxy.url);
    await fs.writeFile(path.join(go.root, "home", ".netrc"), `machine ${host} login ci password s3cret-for-ci\n`, { mode: 0o600 });
    const r = await go.runOk(["mod", "download", "-json", MODULE]);
    assert.equal(JSON.parse(r.stdout).Sum, env.tree.hashes.get(MODULE)?.zip);
  });

  it("leaves health endpoints open for probes", async function () {
    for (const endpoint of ["/healthz", "/readyz"]) {
      assert.equal((await rawRequest(env.proxy.url, endpoint, { ca: await fs.readFile(path.join(tokensDir, "cert.pem")) })).status, 200);
    }
  });
});
