import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RunningProxy, startProxy } from "../../proxy-app/src/app";
import { TokenAuthenticator, TokenFileError } from "../../proxy-app/src/auth";
import { ProxyConfig } from "../../proxy-app/src/config";
import { AuditLogError, createLogs, LogSettings } from "../../proxy-app/src/logs";
import { RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream";
import { makeTestCa } from "../support/tls";

// The access log, the audit log and the event log of `modproxy serve`, read
// as a log shipper reads them: lines of JSON written to its stdout.

const NAMED_TOKEN = "tok-named-7f3c0a9e51";
const UNNAMED_TOKEN = "tok-unnamed-2b8d44e1c6";
const WRONG_PASSWORD = "not-a-token-9c2e";
const NETRC_PASSWORD = "netrc-upstream-secret-41d7";
const MODULE = "example.com/Logged/mod";
const ENCODED = "example.com/!logged/mod";
const INFO = `/${ENCODED}/@v/v1.0.0.info`;
const INFO_BODY = '{"Version":"v1.0.0","Time":"2024-01-02T03:04:05Z"}\n';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const fingerprint = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 12);

type Line = Record<string, unknown>;

/** A stdout that keeps what pino writes, line by line. */
class CapturedStdout {
  readonly raw: string[] = [];
  write(chunk: string): void {
    this.raw.push(...chunk.split("\n").filter((l) => l !== ""));
  }
  get lines(): Line[] {
    return this.raw.map((l) => JSON.parse(l) as Line);
  }
  ofType(type: string): Line[] {
    return this.lines.filter((l) => l.type === type);
  }
}

describe("request, audit and event logs", function () {
  let dir: string;
  let upstream: RecordingUpstream;
  let base: ProxyConfig;
  let running: RunningProxy | undefined;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-logs-"));
    const ca = await makeTestCa(dir);
    upstream = await startRecordingUpstream(
      (p) =>
        p.endsWith("/@v/v1.0.0.info")
          ? { status: 200, body: INFO_BODY }
          : p.endsWith("/@v/list")
            ? { status: 200, body: "v1.0.0\n" }
            : { status: 500, body: "upstream broke" },
      await ca.issue(["127.0.0.1"]),
    );
    await fs.writeFile(path.join(dir, "tokens"), `# CI\nci-runner ${NAMED_TOKEN}\n${UNNAMED_TOKEN}\n`);
    await fs.writeFile(path.join(dir, "netrc"), `machine 127.0.0.1:${upstream.port} login bot password ${NETRC_PASSWORD}\n`);
    base = {
      host: "127.0.0.1",
      port: 0,
      storageDir: path.join(dir, "storage"),
      upstream: `https://127.0.0.1:${upstream.port}`,
      upstreamTimeoutMs: 5_000,
      caFile: ca.certFile,
      vcsCredentialsFile: path.join(dir, "netrc"),
      authTokensFile: path.join(dir, "tokens"),
      goNoSumDb: "example.com",
    };
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await fs.rm(base.storageDir, { recursive: true, force: true });
  });
  after(async () => {
    await upstream?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function serve(settings: Partial<LogSettings> = {}, config: Partial<ProxyConfig> = {}): Promise<{ out: CapturedStdout; url: string }> {
    const out = new CapturedStdout();
    const logs = createLogs({ level: "info", format: "json", audit: "stdout", ...settings }, { stdout: out });
    running = await startProxy({ ...base, ...config }, (msg) => logs.events.warn(msg), { logs });
    return { out, url: running.url };
  }

  it("writes one access line per request, with what the cache did and which upstream served a miss", async () => {
    // Without the memory tier, the second request reads storage.
    const { out, url } = await serve({}, { memoryCache: 0 });
    const get = (p: string) => fetch(`${url}${p}`, { headers: { Authorization: basic("ci", NAMED_TOKEN) } });
    for (let i = 0; i < 2; i++) assert.equal(await (await get(INFO)).text(), INFO_BODY);
    assert.equal((await get(`/${ENCODED}/@v/list`)).status, 200);
    assert.equal((await get(`/${ENCODED}/@v/list`)).status, 200);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);

    const access = out.ofType("access");
    assert.equal(access.length, 5);
    assert.deepEqual(
      access.map((l) => [l.path, l.cache]),
      [
        [INFO, "miss"],
        [INFO, "hit"],
        [`/${ENCODED}/@v/list`, "miss"],
        [`/${ENCODED}/@v/list`, "hit"],
        ["/healthz", undefined],
      ],
    );
    const [miss, hit] = access;
    assert.equal(miss.upstream, `127.0.0.1:${upstream.port}`);
    assert.equal(hit.upstream, undefined);
    for (const line of [miss, hit]) {
      assert.equal(line.level, "info");
      assert.equal(line.method, "GET");
      assert.equal(line.status, 200);
      assert.equal(line.bytes, Buffer.byteLength(INFO_BODY));
      assert.equal(line.client, "ci-runner");
      assert.equal(line.remote, "127.0.0.1");
      assert.equal(typeof line.durationMs, "number");
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
    }
    assert.equal(access[4].client, undefined, "open paths need no token, so none is named");
  });

  it("honours an X-Request-Id, makes one when there is none or it is unfit, and returns it", async () => {
    const { out, url } = await serve();
    const auth = { Authorization: `Bearer ${UNNAMED_TOKEN}` };
    const given = await fetch(`${url}${INFO}`, { headers: { ...auth, "X-Request-Id": "build-42/step.7" } });
    const made = await fetch(`${url}${INFO}`, { headers: auth });
    const unfit = await fetch(`${url}${INFO}`, { headers: { ...auth, "X-Request-Id": `a b ${"x".repeat(200)}` } });
    const hot = await fetch(`${url}${INFO}`, { headers: { ...auth, "X-Request-Id": "from-memory" } });
    const refused = await fetch(`${url}${INFO}`, { headers: { "X-Request-Id": "no-token" } });
    const ids = [given, made, unfit, hot, refused].map((r) => r.headers.get("x-request-id"));
    assert.equal(ids[0], "build-42/step.7");
    assert.match(String(ids[1]), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(String(ids[2]), /^[0-9a-f]{8}-/);
    assert.equal(ids[3], "from-memory");
    assert.equal(ids[4], "no-token");
    assert.deepEqual(
      out.ofType("access").map((l) => l.reqId),
      ids,
    );
    const memory = out.ofType("access")[3];
    assert.deepEqual([memory.cache, memory.status, memory.bytes, memory.client], ["hit-memory", 200, Buffer.byteLength(INFO_BODY), fingerprint(UNNAMED_TOKEN)]);
    assert.equal(out.ofType("access")[4].status, 401);
  });

  it("audits each version file given to a client by its token's name or fingerprint, never the token", async () => {
    const { out, url } = await serve();
    await fetch(`${url}${INFO}`, { headers: { Authorization: basic("ci", NAMED_TOKEN) } });
    await fetch(`${url}${INFO}`, { headers: { Authorization: `Bearer ${UNNAMED_TOKEN}`, "X-Forwarded-For": "10.1.2.3" } });
    await fetch(`${url}${INFO}`, { headers: { Authorization: `Bearer ${UNNAMED_TOKEN}` } });
    await fetch(`${url}${INFO}`, { headers: { Authorization: basic("ci", WRONG_PASSWORD) } });
    await fetch(`${url}/${ENCODED}/@v/list`, { headers: { Authorization: basic("ci", NAMED_TOKEN) } });
    await fetch(`${url}/${ENCODED}/@v/v1.9.9.info`, { headers: { Authorization: basic("ci", NAMED_TOKEN) } });

    const audit = out.ofType("audit");
    assert.deepEqual(
      audit.map((l) => [l.client, l.tokenId, l.module, l.version, l.file, l.status]),
      [
        ["ci-runner", fingerprint(NAMED_TOKEN), MODULE, "v1.0.0", "info", 200],
        [fingerprint(UNNAMED_TOKEN), fingerprint(UNNAMED_TOKEN), MODULE, "v1.0.0", "info", 200],
        [fingerprint(UNNAMED_TOKEN), fingerprint(UNNAMED_TOKEN), MODULE, "v1.0.0", "info", 200],
      ],
      "version files given out only: not the refused request, the list or the failed fetch",
    );
    assert.equal(audit[1].forwardedFor, "10.1.2.3");
    assert.deepEqual(
      audit.map((l) => l.reqId),
      out
        .ofType("access")
        .filter((l) => l.status === 200 && l.path === INFO)
        .map((l) => l.reqId),
    );
    // The failed fetch left an event line with what the upstream said.
    assert.ok(out.ofType("event").some((l) => l.level === "warn" && /upstream broke/.test(String(l.msg))));
    for (const secret of [NAMED_TOKEN, UNNAMED_TOKEN, WRONG_PASSWORD, NETRC_PASSWORD, Buffer.from(`ci:${NAMED_TOKEN}`).toString("base64")]) {
      for (const line of out.raw) assert.ok(!line.includes(secret), `a log line holds a secret: ${line}`);
    }
    assert.ok(
      upstream.requests.some((r) => r.authorization === basic("bot", NETRC_PASSWORD)),
      "the netrc credentials were in use",
    );
  });

  it("sends the audit to a file of its own, or nowhere; the log level does not silence it", async () => {
    const file = path.join(dir, "audit.log");
    const first = await serve({ audit: file, level: "warn" });
    await fetch(`${first.url}${INFO}`, { headers: { Authorization: basic("ci", NAMED_TOKEN) } });
    await running!.close();
    running = undefined;
    let written = "";
    for (let i = 0; i < 50 && written === ""; i++) {
      await new Promise((r) => setTimeout(r, 20));
      written = await fs.readFile(file, "utf8");
    }
    const lines = written
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    assert.deepEqual(
      lines.map((l) => [l.type, l.client, l.module, l.version]),
      [["audit", "ci-runner", MODULE, "v1.0.0"]],
    );
    assert.deepEqual(first.out.lines, [], "at warn, a request that went well writes nothing to stdout");

    const second = await serve({ audit: "off" });
    await fetch(`${second.url}${INFO}`, { headers: { Authorization: basic("ci", NAMED_TOKEN) } });
    assert.deepEqual(
      second.out.lines.map((l) => l.type),
      ["access"],
    );
    assert.throws(
      () => createLogs({ level: "info", format: "json", audit: path.join(dir, "no-such-dir", "audit.log") }, { stdout: new CapturedStdout() }),
      AuditLogError,
    );
  });

  it("keeps every line within one atomic pipe write, however long the path", async () => {
    const { out, url } = await serve();
    const long = `/${"a".repeat(5000)}/@v/list`;
    const longer = `/example.com/m/@v/v1.0.0-${"b".repeat(5000)}.info`;
    for (const p of [long, longer]) await fetch(`${url}${p}`, { headers: { Authorization: `Bearer ${UNNAMED_TOKEN}` } });
    assert.deepEqual(
      out.lines.map((l) => [l.type, l.status, String(l.path).length]),
      [
        ["access", 400, 1024],
        ["access", 400, 1024],
      ],
      "the paths are cut",
    );
    for (const line of out.raw) assert.ok(Buffer.byteLength(line) + 1 <= 4096, `${Buffer.byteLength(line)} bytes`);
  });

  it("writes pretty lines on a terminal and JSON elsewhere", () => {
    const lineOf = (format: LogSettings["format"], isTTY: boolean) => {
      const out = new CapturedStdout();
      createLogs({ level: "info", format, audit: "off" }, { stdout: out, isTTY }).events.info("hello");
      return out.raw.join("\n");
    };
    assert.equal((JSON.parse(lineOf("auto", false)) as Line).msg, "hello");
    assert.equal((JSON.parse(lineOf("json", true)) as Line).msg, "hello");
    for (const pretty of [lineOf("auto", true), lineOf("pretty", false)]) {
      assert.match(pretty, /INFO.*hello/);
      assert.throws(() => JSON.parse(pretty));
    }
  });
});

describe("client token names", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-token-names-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("names a client by the name before its token, else by the token's fingerprint", async () => {
    const file = path.join(dir, "tokens");
    await fs.writeFile(file, `ci-runner ${NAMED_TOKEN}\n  ${UNNAMED_TOKEN}  \n`);
    const auth = await TokenAuthenticator.fromFile(file);
    assert.deepEqual(await auth.identify(`Bearer ${NAMED_TOKEN}`), { id: fingerprint(NAMED_TOKEN), name: "ci-runner", label: "ci-runner" });
    assert.deepEqual(await auth.identify(basic("x", UNNAMED_TOKEN)), { id: fingerprint(UNNAMED_TOKEN), name: undefined, label: fingerprint(UNNAMED_TOKEN) });
    assert.equal(await auth.identify("Bearer ci-runner"), undefined, "a name is not a token");
  });

  it("refuses a line it cannot read, naming its number but not its content", async () => {
    const file = path.join(dir, "tokens");
    for (const bad of [`a b ${NAMED_TOKEN}`, `ci/runner ${NAMED_TOKEN}`]) {
      await fs.writeFile(file, `# tokens\n${bad}\n`);
      await assert.rejects(
        TokenAuthenticator.fromFile(file),
        (e: Error) => e instanceof TokenFileError && /line 2/.test(e.message) && !e.message.includes(NAMED_TOKEN),
      );
    }
  });
});
