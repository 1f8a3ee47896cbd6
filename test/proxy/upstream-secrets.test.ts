import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RunningProxy, startProxy } from "../../proxy-app/src/app";
import { readAll } from "../../proxy-app/src/artifact";
import { ConfigError, loadConfig } from "../../proxy-app/src/config";
import { NetrcFile } from "../../proxy-app/src/netrc";
import { parseGoSumDb } from "../../proxy-app/src/gosumdb";
import { describeUpstreamList, parseUpstreamList, UpstreamListError } from "../../proxy-app/src/upstream/list";
import { Egress } from "../../proxy-app/src/upstream/egress";
import { HttpProxyUpstream } from "../../proxy-app/src/upstream/http-proxy";
import { Answer, RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream";
import { rawRequest } from "../support/raw-http";
import { makeTestCa } from "../support/tls";

// Credentials for upstreams live in the netrc file, never in URLs, and what
// clients are told about a failing upstream names its host and nothing else
// of it: not its path (which may hold a token), not its error page.

const PASSWORD = "hunter2";

describe("upstream URLs with credentials", () => {
  it("are refused, the message naming the entry but neither userinfo nor path", () => {
    assert.throws(
      () => parseUpstreamList(`https://a.example,direct|https://bot:${PASSWORD}@goproxy.example.com/token-path/go`),
      (e: Error) =>
        e instanceof UpstreamListError &&
        e.message ===
          "upstream list entry 3 (https://goproxy.example.com/...) carries credentials in its URL: put them in the netrc file MODPROXY_VCS_CREDENTIALS_FILE",
    );
  });

  it("never reach any list error or the configuration error", () => {
    for (const list of [
      `ftp://bot:${PASSWORD}@a.example/token-path`,
      `https://bot:${PASSWORD}@a.example/?token=abc`,
      `bot:${PASSWORD}@a.example`,
      `https://a.example,,https://bot:${PASSWORD}@b.example`,
      `https://bot:${PASSWORD}@a.example,not a url`,
    ]) {
      assert.throws(
        () => parseUpstreamList(list),
        (e: Error) => !e.message.includes(PASSWORD) && !e.message.includes("bot"),
        list,
      );
      assert.throws(
        () => loadConfig({ MODPROXY_UPSTREAM: list }),
        (e: Error) =>
          e instanceof ConfigError && /MODPROXY_UPSTREAM \(--upstream\)/.test(e.message) && !e.message.includes(PASSWORD) && !e.message.includes("bot"),
        list,
      );
    }
    assert.equal(describeUpstreamList(`https://bot:${PASSWORD}@a.example/go|direct,off`), "https://a.example/...|direct,off");
  });

  it("are refused in GOSUMDB too", () => {
    assert.throws(() => parseGoSumDb(`sum.example.com+key https://bot:${PASSWORD}@sum.example.com/`), /carries credentials: put them in the netrc file/);
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", GOSUMDB: `sum.example.com+key https://bot:${PASSWORD}@sum.example.com/` }),
      (e: Error) => /GOSUMDB/.test(e.message) && !e.message.includes(PASSWORD),
    );
  });
});

describe("upstream credentials from the netrc file", function () {
  let dir: string;
  let caPem: string;
  let upstream: RecordingUpstream;
  let plain: RecordingUpstream;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-upstream-netrc-"));
    const ca = await makeTestCa(dir);
    caPem = await fs.readFile(ca.certFile, "utf8");
    upstream = await startRecordingUpstream(() => ({ status: 200, body: "v1.0.0\n" }), await ca.issue(["127.0.0.1"]));
    plain = await startRecordingUpstream(() => ({ status: 200, body: "v1.0.0\n" }));
  });
  after(async () => {
    await upstream?.close();
    await plain?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("go as Basic auth to the machine named host:port, over HTTPS only, and follow the file when it changes", async () => {
    const file = path.join(dir, "netrc");
    await fs.writeFile(file, `machine 127.0.0.1:${upstream.port} login bot password first\nmachine 127.0.0.1:${plain.port} login bot password cleartext\n`);
    const credentials = await NetrcFile.open(file);
    const egress = new Egress({ extraCa: caPem });
    const basic = (password: string) => `Basic ${Buffer.from(`bot:${password}`).toString("base64")}`;
    const fetchOnce = async (u: HttpProxyUpstream) => readAll((await u.fetch("example.com/m/@v/list")).body, 1024, "list");
    try {
      const secure = new HttpProxyUpstream(`https://127.0.0.1:${upstream.port}/`, 5000, { egress, credentials });
      await fetchOnce(secure);
      assert.equal(upstream.requests.at(-1)?.authorization, basic("first"));
      await fs.writeFile(`${file}.new`, `machine 127.0.0.1:${upstream.port} login bot password rotated\n`);
      await fs.rename(`${file}.new`, file);
      await fetchOnce(secure);
      assert.equal(upstream.requests.at(-1)?.authorization, basic("rotated"));

      await fetchOnce(new HttpProxyUpstream(`http://127.0.0.1:${plain.port}/`, 5000, { egress, credentials }));
      assert.equal(plain.requests.at(-1)?.authorization, undefined);
    } finally {
      egress.close();
    }
  });
});

describe("what clients are told about a failing upstream", function () {
  let dir: string;
  let upstream: RecordingUpstream;
  let proxy: RunningProxy;
  const logged: string[] = [];
  const TOKEN_PATH = "secret-path-token";
  const NETRC_PASSWORD = "netrc-secret";
  const UPSTREAM_BODY = "SECRET BODY of the upstream's error page";

  const answers: Record<string, Answer | undefined> = {
    "example.com/fails/@v/list": { status: 500, body: `${UPSTREAM_BODY}\ninternal details` },
    "example.com/refused/@v/list": { status: 403, body: UPSTREAM_BODY },
    "example.com/gone/@v/v1.0.0.info": {
      status: 404,
      body: `not found: module example.com/gone: no such module\n\u001b]0;evil title\u0007 second line ${"x".repeat(500)}`,
    },
    "example.com/hangs/@v/list": undefined,
  };

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-upstream-messages-"));
    const ca = await makeTestCa(dir);
    upstream = await startRecordingUpstream((p) => answers[p.slice(`/${TOKEN_PATH}/`.length)], await ca.issue(["127.0.0.1"]));
    const netrc = path.join(dir, "netrc");
    await fs.writeFile(netrc, `machine 127.0.0.1:${upstream.port} login bot password ${NETRC_PASSWORD}\n`);
    await fs.mkdir(path.join(dir, "storage"));
    proxy = await startProxy(
      {
        host: "127.0.0.1",
        port: 0,
        storageDir: path.join(dir, "storage"),
        upstream: `https://127.0.0.1:${upstream.port}/${TOKEN_PATH}/`,
        upstreamTimeoutMs: 300,
        vcsCredentialsFile: netrc,
        caFile: ca.certFile,
      },
      (msg) => logged.push(msg),
    );
  });
  after(async () => {
    await proxy?.close();
    await upstream?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const ask = async (p: string) => {
    const res = await rawRequest(proxy.url, `/${p}`);
    return { status: res.status, text: res.body.toString() };
  };
  const assertNothingSecret = (text: string) => {
    for (const secret of [TOKEN_PATH, NETRC_PASSWORD, "bot", UPSTREAM_BODY, "internal details"])
      assert.ok(!text.includes(secret), `${JSON.stringify(text)} has ${secret}`);
  };

  it("502 names the upstream by host and keeps its error page for the log", async () => {
    for (const [p, status] of [
      ["example.com/fails/@v/list", 500],
      ["example.com/refused/@v/list", 403],
    ] as const) {
      const { status: got, text } = await ask(p);
      assert.equal(got, 502);
      assert.equal(text, `upstream 127.0.0.1:${upstream.port} answered ${status} for ${p}\n`);
      assertNothingSecret(text);
    }
    assert.equal(
      upstream.requests.at(-1)?.authorization,
      `Basic ${Buffer.from(`bot:${NETRC_PASSWORD}`).toString("base64")}`,
      "the netrc credentials were sent",
    );
    assert.ok(
      logged.some((l) => l.includes(UPSTREAM_BODY) && !l.includes("\n")),
      "the operator sees what the upstream said",
    );
  });

  it("404 keeps the upstream's reason on one clean line of bounded length", async () => {
    const { status, text } = await ask("example.com/gone/@v/v1.0.0.info");
    assert.equal(status, 404);
    assert.match(text, /^not found: module example\.com\/gone: no such module \]0;evil title second line x+… \(upstream 127\.0\.0\.1:\d+\)\n$/);
    assert.ok(text.length < 260, `${text.length} characters`);
    assert.doesNotMatch(text.slice(0, -1), /\p{Cc}/u);
    assertNothingSecret(text);
  });

  // Last: a timeout takes the upstream down for a while, and every later request would be skipped.
  it("504 names the upstream by host", async () => {
    const { status, text } = await ask("example.com/hangs/@v/list");
    assert.equal(status, 504);
    assert.equal(text, `upstream 127.0.0.1:${upstream.port} did not answer within 300 ms for example.com/hangs/@v/list\n`);
    assertNothingSecret(text);
  });
});
