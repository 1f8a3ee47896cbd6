import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import net, { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { setImmediate } from "node:timers/promises";
import { startProxy, TlsFileError } from "../../proxy-app/src/app";
import { readAll } from "../../proxy-app/src/artifact";
import { loadConfig } from "../../proxy-app/src/config";
import { Egress, EgressConfigError } from "../../proxy-app/src/upstream/egress";
import { HttpProxyUpstream } from "../../proxy-app/src/upstream/http-proxy";
import { UpstreamError, UpstreamTimeoutError } from "../../proxy-app/src/upstream/upstream";
import { ConnectProxy, startConnectProxy } from "../support/connect-proxy";
import { RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream";
import { makeTestCa, TestCa } from "../support/tls";

// The proxy behind a corporate egress proxy: HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY as Go reads them, and an extra CA for a TLS-intercepting proxy.
// The upstream is reached by a name (upstream.test) that the egress proxy on
// loopback maps to 127.0.0.1, since loopback addresses are never proxied.

const NAME = "upstream.test";
const LIST = "example.com/m/@v/list";
const listed = (p: string) => (p.endsWith("/@v/list") ? { status: 200, body: "v1.0.0\n" } : { status: 404, body: "not found: nothing here" });

async function text(upstream: HttpProxyUpstream, p = LIST): Promise<string> {
  return (await readAll((await upstream.fetch(p)).body, 1 << 20, p)).toString();
}

describe("NO_PROXY and the proxy variables, as Go's httpproxy reads them", () => {
  const proxied = (noProxy: string, url: string) =>
    Egress.fromEnv({ HTTPS_PROXY: "http://egress.corp:3128", HTTP_PROXY: "egress.corp:3128", NO_PROXY: noProxy }).proxyFor(new URL(url));

  const cases: [string, string, boolean][] = [
    ["", "https://goproxy.example.com/", true],
    ["", "https://localhost:8443/", false],
    ["", "https://127.0.0.2/", false],
    ["", "https://[::1]:8443/", false],
    ["", "https://[::2]/", true],
    ["", "https://localhost.example.net/", true],
    ["example.com", "https://example.com/", false],
    ["example.com", "https://goproxy.example.com/", false],
    ["example.com", "https://notexample.com/", true],
    [".example.com", "https://example.com/", true],
    [".example.com", "https://goproxy.example.com/", false],
    ["*.example.com", "https://example.com/", true],
    ["*.example.com", "https://goproxy.example.com/", false],
    ["example.com:8443", "https://goproxy.example.com:8443/", false],
    ["example.com:8443", "https://goproxy.example.com/", true],
    ["example.com:443", "https://goproxy.example.com/", false],
    [" Example.COM , other.test", "https://goproxy.example.com/", false],
    ["10.1.2.3", "https://10.1.2.3/", false],
    ["10.1.2.3", "https://10.1.2.4/", true],
    ["10.1.2.3:8080", "http://10.1.2.3:8080/", false],
    ["10.1.2.3:8080", "http://10.1.2.3/", true],
    ["10.0.0.0/8", "https://10.200.0.1/", false],
    ["10.0.0.0/8", "https://11.0.0.1/", true],
    ["fd00::/8", "https://[fd12::1]/", false],
    ["[fd12::1]:443", "https://[fd12::1]/", false],
    ["*", "https://anything.example/", false],
    ["*", "http://10.9.9.9/", false],
    ["bücher.example", "https://xn--bcher-kva.example/", false],
  ];
  for (const [noProxy, url, viaProxy] of cases) {
    it(`NO_PROXY=${JSON.stringify(noProxy)}: ${url} ${viaProxy ? "goes through the proxy" : "goes straight"}`, () => {
      assert.equal(proxied(noProxy, url) !== undefined, viaProxy);
    });
  }

  it("picks the proxy by the upstream's scheme, upper-case names first, and takes host:port as http://", () => {
    const egress = Egress.fromEnv({ HTTPS_PROXY: "https://upper.corp:8443", https_proxy: "http://lower.corp", http_proxy: "plain.corp:3128" });
    assert.equal(egress.proxyFor(new URL("https://goproxy.example.com/"))?.href, "https://upper.corp:8443/");
    assert.equal(egress.proxyFor(new URL("http://goproxy.example.com/"))?.href, "http://plain.corp:3128/");
    assert.equal(Egress.fromEnv({ HTTPS_PROXY: "", https_proxy: "http://lower.corp" }).proxyFor(new URL("https://a.example/"))?.host, "lower.corp");
    assert.equal(Egress.fromEnv({ no_proxy: "a.example", HTTPS_PROXY: "http://p.corp" }).proxyFor(new URL("https://a.example/")), undefined);
    assert.equal(Egress.fromEnv({}).proxyFor(new URL("https://a.example/")), undefined);
  });

  it("refuses a proxy it cannot use, naming the variable but not the credentials", () => {
    assert.throws(
      () => Egress.fromEnv({ HTTPS_PROXY: "socks5://bot:hunter2@socks.corp:1080" }),
      (e: Error) => e instanceof EgressConfigError && /HTTPS_PROXY: .*SOCKS/.test(e.message) && !/hunter2|bot/.test(e.message),
    );
    assert.throws(() => Egress.fromEnv({ http_proxy: "://nothing" }), /http_proxy: ":\/\/nothing" is not a proxy URL/);
  });
});

describe("egress through a CONNECT proxy", function () {
  let dir: string;
  let ca: TestCa;
  let caPem: string;
  let tlsUpstream: RecordingUpstream;
  let plainUpstream: RecordingUpstream;
  let proxy: ConnectProxy;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-egress-"));
    ca = await makeTestCa(dir);
    caPem = await fs.readFile(ca.certFile, "utf8");
    tlsUpstream = await startRecordingUpstream(listed, await ca.issue([NAME, "127.0.0.1"]));
    plainUpstream = await startRecordingUpstream(listed);
  });
  after(async () => {
    await tlsUpstream?.close();
    await plainUpstream?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => (proxy = await startConnectProxy()));
  afterEach(() => proxy.close());

  const upstreamVia = (env: NodeJS.ProcessEnv, url: string, { trustTestCa = true } = {}) => {
    const egress = Egress.fromEnv(env, trustTestCa ? caPem : undefined);
    return { egress, upstream: new HttpProxyUpstream(url, 5000, { egress }) };
  };

  it("tunnels HTTPS with CONNECT, verifies TLS with the extra CA, and keeps the tunnel for the next request", async () => {
    const { egress, upstream } = upstreamVia({ HTTPS_PROXY: proxy.url }, `https://${NAME}:${tlsUpstream.port}/base/`);
    try {
      const before = tlsUpstream.requests.length;
      assert.equal(await text(upstream), "v1.0.0\n");
      await setImmediate();
      assert.equal(await text(upstream), "v1.0.0\n");
      assert.deepEqual(proxy.connects, [`${NAME}:${tlsUpstream.port}`], "one tunnel carried both requests");
      assert.deepEqual(
        tlsUpstream.requests.slice(before).map((r) => [r.path, r.host]),
        [
          [`/base/${LIST}`, `${NAME}:${tlsUpstream.port}`],
          [`/base/${LIST}`, `${NAME}:${tlsUpstream.port}`],
        ],
      );
    } finally {
      egress.close();
    }
  });

  it("reaches a proxy over TLS itself, checking its certificate by its own name", async () => {
    const tlsProxy = await startConnectProxy({ tls: await ca.issue(["127.0.0.1"]) });
    const { egress, upstream } = upstreamVia({ HTTPS_PROXY: tlsProxy.url, HTTP_PROXY: tlsProxy.url }, `https://${NAME}:${tlsUpstream.port}/`);
    try {
      assert.equal(await text(upstream), "v1.0.0\n");
      assert.equal(await text(new HttpProxyUpstream(`http://${NAME}:${plainUpstream.port}/`, 5000, { egress })), "v1.0.0\n");
      assert.deepEqual(tlsProxy.connects, [`${NAME}:${tlsUpstream.port}`]);
      assert.deepEqual(tlsProxy.forwarded, [`http://${NAME}:${plainUpstream.port}/${LIST}`]);
    } finally {
      egress.close();
      await tlsProxy.close();
    }
  });

  it("gives up on a proxy that does not answer CONNECT within the upstream timeout, as a timeout", async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const egress = Egress.fromEnv({ HTTPS_PROXY: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, caPem);
    try {
      const started = Date.now();
      await assert.rejects(
        new HttpProxyUpstream(`https://${NAME}:${tlsUpstream.port}/`, 300, { egress }).fetch(LIST),
        (e: Error) => e instanceof UpstreamTimeoutError && /did not answer CONNECT within 300 ms/.test(e.message),
      );
      assert.ok(Date.now() - started < 3000);
    } finally {
      egress.close();
      silent.close();
    }
  });

  it("refuses the upstream's certificate without the extra CA", async () => {
    const { egress, upstream } = upstreamVia({ HTTPS_PROXY: proxy.url }, `https://${NAME}:${tlsUpstream.port}/`, { trustTestCa: false });
    try {
      await assert.rejects(
        upstream.fetch(LIST),
        (e: Error) => e instanceof UpstreamError && /upstream.test.*could not be reached.*certificate/.test(e.message),
      );
      assert.equal(proxy.connects.length, 1, "the request went through the proxy");
    } finally {
      egress.close();
    }
  });

  it("goes straight to loopback even with HTTPS_PROXY set, as Go does", async () => {
    const { egress, upstream } = upstreamVia({ HTTPS_PROXY: proxy.url }, `https://127.0.0.1:${tlsUpstream.port}/`);
    try {
      assert.equal(await text(upstream), "v1.0.0\n");
      assert.deepEqual(proxy.connects, []);
    } finally {
      egress.close();
    }
  });

  it("sends an http upstream's requests to HTTP_PROXY in absolute form", async () => {
    const { egress, upstream } = upstreamVia({ HTTP_PROXY: proxy.url, HTTPS_PROXY: "http://unused.invalid:1" }, `http://${NAME}:${plainUpstream.port}/go`);
    try {
      assert.equal(await text(upstream), "v1.0.0\n");
      assert.deepEqual(proxy.forwarded, [`http://${NAME}:${plainUpstream.port}/go/${LIST}`]);
      assert.deepEqual(proxy.connects, []);
      assert.equal(plainUpstream.requests.at(-1)?.host, `${NAME}:${plainUpstream.port}`);
    } finally {
      egress.close();
    }
  });
});

describe("egress proxy credentials", function () {
  let dir: string;
  let caPem: string;
  let tlsUpstream: RecordingUpstream;
  let plainUpstream: RecordingUpstream;
  let proxy: ConnectProxy;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-egress-auth-"));
    const ca = await makeTestCa(dir);
    caPem = await fs.readFile(ca.certFile, "utf8");
    tlsUpstream = await startRecordingUpstream(listed, await ca.issue([NAME]));
    plainUpstream = await startRecordingUpstream(listed);
    proxy = await startConnectProxy({ credentials: { user: "egress bot", password: "p@ss:word" } });
  });
  after(async () => {
    await proxy?.close();
    await tlsUpstream?.close();
    await plainUpstream?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const basic = `Basic ${Buffer.from("egress bot:p@ss:word").toString("base64")}`;
  const proxyUrl = (user: string, password: string) => proxy.url.replace("http://", `http://${user}:${password}@`);

  it("sends the proxy URL's user and password as Proxy-Authorization, for CONNECT and absolute-form requests", async () => {
    const egress = Egress.fromEnv({ HTTPS_PROXY: proxyUrl("egress%20bot", "p%40ss%3Aword"), HTTP_PROXY: proxyUrl("egress%20bot", "p%40ss%3Aword") }, caPem);
    try {
      assert.equal(await text(new HttpProxyUpstream(`https://${NAME}:${tlsUpstream.port}/`, 5000, { egress })), "v1.0.0\n");
      assert.equal(await text(new HttpProxyUpstream(`http://${NAME}:${plainUpstream.port}/`, 5000, { egress })), "v1.0.0\n");
      assert.deepEqual(proxy.authorizations.slice(-2), [basic, basic]);
      assert.equal(plainUpstream.requests.at(-1)?.authorization, undefined, "the proxy's credentials stay with the proxy");
    } finally {
      egress.close();
    }
  });

  it("reports a refused tunnel without the proxy's credentials", async () => {
    const egress = Egress.fromEnv({ HTTPS_PROXY: proxyUrl("egress%20bot", "wrong-secret") }, caPem);
    try {
      await assert.rejects(
        new HttpProxyUpstream(`https://${NAME}:${tlsUpstream.port}/`, 5000, { egress }).fetch(LIST),
        (e: Error) => e instanceof UpstreamError && /407/.test(e.message) && !/wrong-secret|egress bot|egress%20bot/.test(e.message),
      );
    } finally {
      egress.close();
    }
  });
});

describe("MODPROXY_CA_FILE and HTTPS_PROXY at start", function () {
  let dir: string;
  let ca: TestCa;
  let tlsUpstream: RecordingUpstream;
  let proxy: ConnectProxy;
  const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY };

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-egress-start-"));
    ca = await makeTestCa(dir);
    tlsUpstream = await startRecordingUpstream(listed, await ca.issue([NAME]));
    proxy = await startConnectProxy();
  });
  after(async () => {
    await proxy?.close();
    await tlsUpstream?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const config = (caFile?: string) => ({
    host: "127.0.0.1",
    port: 0,
    storageDir: path.join(dir, "storage"),
    upstream: `https://${NAME}:${tlsUpstream.port}/`,
    upstreamTimeoutMs: 5000,
    caFile,
  });

  it("is a setting of its own", () => {
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_CA_FILE: "/etc/ssl/egress-ca.pem" }).caFile, "/etc/ssl/egress-ca.pem");
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off" }, { caFile: "/flag.pem" }).caFile, "/flag.pem");
  });

  it("serves modules fetched through the egress proxy, trusting the CA file besides Node's roots", async () => {
    await fs.mkdir(path.join(dir, "storage"), { recursive: true });
    process.env.HTTPS_PROXY = proxy.url;
    let running;
    try {
      running = await startProxy(config(ca.certFile));
    } finally {
      if (saved.HTTPS_PROXY === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved.HTTPS_PROXY;
    }
    try {
      const res = await fetch(`${running.url}/${LIST}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "v1.0.0\n");
      assert.deepEqual(proxy.connects, [`${NAME}:${tlsUpstream.port}`]);
    } finally {
      await running.close();
    }
  });

  it("stops the start on a CA file that is missing or holds no certificate, naming the setting and the file", async () => {
    const notPem = path.join(dir, "not-a-ca.pem");
    await fs.writeFile(notPem, "just text\n");
    const broken = path.join(dir, "broken-ca.pem");
    await fs.writeFile(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    for (const [file, why] of [
      [path.join(dir, "missing.pem"), /cannot read it/],
      [notPem, /holds no PEM certificate/],
      [broken, /certificate 1 is not valid/],
    ] as const) {
      await assert.rejects(
        startProxy(config(file)),
        (e: Error) => e instanceof TlsFileError && e.message.startsWith(`MODPROXY_CA_FILE (--ca-file) ${file}: `) && why.test(e.message),
      );
    }
  });
});
