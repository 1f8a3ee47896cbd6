import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readAll } from "../../proxy-app/src/artifact";
import { ConfigError, loadConfig } from "../../proxy-app/src/config";
import { NetrcFile } from "../../proxy-app/src/netrc";
import { parseGoSumDb } from "../../proxy-app/src/sumdb";
import { describeUpstreamList, parseUpstreamList, UpstreamListError } from "../../proxy-app/src/upstream/chain";
import { Egress } from "../../proxy-app/src/upstream/egress";
import { HttpProxyUpstream } from "../../proxy-app/src/upstream/http-proxy";
import { RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream";
import { makeTestCa } from "../support/tls";

// Credentials for upstreams live in the netrc file, never in URLs.

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
