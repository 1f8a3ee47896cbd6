import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { listFiles } from "../support/files";
import { Fault, FaultyUpstream, HUGE_BYTES, startFaultyUpstream } from "../support/faulty-upstream";
import { eventually } from "../support/eventually";
import { createGoSandbox, GoResult, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest } from "../support/raw-http";
import { assertDownloadedSums } from "../support/sum-checks";

// Issue 7's fault matrix, end to end: for each way an upstream can fail or
// lie, the real go command downloading through modproxy must fail (whether
// it verifies against the checksum database itself or not), modproxy must
// keep nothing bad in storage or its spool, and once the upstream is healthy
// again a fresh client must get the module with the right hashes.

const GREET = "example.com/fixture/greet";
const VERSION = "v1.2.0";
const FILE = `/${GREET}/@v/${VERSION}`;
const UPSTREAM_TIMEOUT_MS = 1500;
const FETCH_DEADLINE_MS = 3000;
/** Time past the deadline for the proxy to close what it reads: a timer, a destroy, a socket close. */
const CLOSE_SLACK_MS = 1000;

interface FaultCase {
  fault: Fault;
  /** The upstream paths the fault applies to, given the checksum database's name. */
  target: (db: string) => string | RegExp;
  /**
   * What go's stderr must show: the proxy's status and reason where it
   * answers with one, go's own complaint where the proxy cut a download it
   * had started (a zip of unknown length streams while it is checked).
   */
  says: RegExp;
  /** The faulted body never ends on its own: the proxy must close it within this many ms of the request. */
  closedWithinMs?: number;
  /** Modules neither the proxy nor the clients look up in the checksum database (GONOSUMDB), as for private modules. */
  noSumDb?: string;
}

const zip = () => `${FILE}.zip`;
const hashTiles = (db: string) => new RegExp(`^/sumdb/${db}/tile/8/0/`);
/** go's words for a download cut short: before the headers ("EOF") or after some of the body ("unexpected EOF"). */
const CUT = /v1\.2\.0\.zip": (unexpected )?EOF/;

const CASES: FaultCase[] = [
  { fault: "reset", target: zip, says: /502 Bad Gateway\n\tserver response: upstream \S+ could not be reached for \S+v1\.2\.0\.zip/ },
  { fault: "hang", target: zip, says: /504 Gateway Timeout\n\tserver response: upstream \S+ did not answer within 1500 ms/ },
  {
    fault: "drip",
    target: zip,
    says: /504 Gateway Timeout\n\tserver response: fetching \S+v1\.2\.0\.zip took longer than 3000 ms/,
    closedWithinMs: FETCH_DEADLINE_MS + CLOSE_SLACK_MS,
  },
  { fault: "status-500", target: zip, says: /502 Bad Gateway\n\tserver response: upstream \S+ answered 500/ },
  { fault: "status-503", target: zip, says: /502 Bad Gateway\n\tserver response: upstream \S+ answered 503/ },
  { fault: "404", target: zip, says: /404 Not Found\n\tserver response: not found: fault injected \(404\)/ },
  { fault: "410", target: zip, says: /410 Gone\n\tserver response: not found: fault injected \(410\)/ },
  { fault: "short-close", target: zip, says: CUT },
  { fault: "short-length", target: zip, says: /502 Bad Gateway\n\tserver response: .*broke off/ },
  { fault: "short-chunked", target: zip, says: CUT },
  { fault: "tampered-zip", target: zip, says: /502 Bad Gateway\n\tserver response: .*fails its CRC-32 check/ },
  { fault: "zip-slip", target: zip, says: /502 Bad Gateway\n\tserver response: .*evil\.go" has an invalid path: path element "\.\." is not allowed/ },
  { fault: "wrong-prefix", target: zip, says: /502 Bad Gateway\n\tserver response: .* is not under "example\.com\/fixture\/greet@v1\.2\.0\/"/ },
  { fault: "zip-bomb", target: zip, says: /502 Bad Gateway\n\tserver response: .*bomb\.txt" is larger than its declared size/ },
  {
    fault: "huge",
    target: zip,
    says: new RegExp(`502 Bad Gateway\n\tserver response: .*the zip is ${HUGE_BYTES} bytes, over Go's limit`),
    closedWithinMs: CLOSE_SLACK_MS,
  },
  { fault: "endless", target: zip, says: CUT, closedWithinMs: FETCH_DEADLINE_MS + CLOSE_SLACK_MS },
  { fault: "info-other-version", target: () => `${FILE}.info`, says: /502 Bad Gateway\n\tserver response: .*\.info names version v1\.0\.0/ },
  {
    fault: "mod-differs",
    target: () => `${FILE}.mod`,
    says: /502 Bad Gateway\n\tserver response: .*go\.mod hashes to h1:\S+ but the checksum database \S+ records h1:/,
  },
  {
    fault: "mod-differs",
    target: () => `${FILE}.mod`,
    says: /502 Bad Gateway\n\tserver response: .*the \.mod differs from the go\.mod inside the module zip/,
    noSumDb: "example.com/fixture",
  },
  { fault: "tile-truncated", target: hashTiles, says: /502 Bad Gateway\n\tserver response: .*tile tile\/8\/0\/\S+ has \d+ bytes/ },
  { fault: "tile-altered", target: hashTiles, says: /502 Bad Gateway\n\tserver response: .*tile tile\/8\/0\/\S+ does not hash into the signed tree/ },
  {
    fault: "lookup-altered",
    target: (db) => `/sumdb/${db}/lookup/${GREET}@${VERSION}`,
    says: /502 Bad Gateway\n\tserver response: .*sent a lookup that does not verify: record \d+ does not hash into the signed tree/,
  },
];

describe("fault matrix: the go command through modproxy over a faulty upstream", function () {
  let env: ModproxyOverFixtures<FaultyUpstream> | undefined;
  const sandboxes: GoSandbox[] = [];

  afterEach(async function () {
    for (const go of sandboxes.splice(0)) await go.remove();
    await env?.stop();
    env = undefined;
  });

  /** A client with an empty module cache: verifying against the test database itself, or not at all. */
  async function freshClient(e: ModproxyOverFixtures<FaultyUpstream>, verifying: boolean, noSumDb = ""): Promise<GoSandbox> {
    const go = await createGoSandbox(e.proxy.url, verifying ? { GONOSUMDB: noSumDb, GOSUMDB: e.sumdb!.vkey } : { GONOSUMDB: "", GOSUMDB: "off" });
    sandboxes.push(go);
    return go;
  }

  for (const c of CASES) {
    it(`${c.fault}${c.noSumDb ? ` (GONOSUMDB=${c.noSumDb})` : ""}: go fails with and without GOSUMDB, nothing bad is kept, and a fresh client succeeds once healed`, async function () {
      const e = (env = await startModproxyOverFixtures<FaultyUpstream>({
        upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
        startUpstream: (tree, sumdb) => startFaultyUpstream(tree.dir, sumdb),
        config: { fetchDeadlineMs: FETCH_DEADLINE_MS, notFoundTtlMs: 100, goNoSumDb: c.noSumDb },
      }));
      const target = c.target(e.sumdb!.name);
      e.upstream.inject(target, c.fault);

      const said: string[] = [];
      for (const verifying of [true, false]) {
        await upstreamUp(e);
        const go = await freshClient(e, verifying, c.noSumDb);
        const result = await go.run(["mod", "download", `${GREET}@${VERSION}`]);
        const what = `go mod download with GOSUMDB ${verifying ? "on" : "off"}`;
        assert.notEqual(result.code, 0, `${what} succeeded over a ${c.fault} upstream:\n${result.stderr}`);
        assert.equal(await exists(path.join(go.goModCache, "cache", "download", GREET, "@v", `${VERSION}.zip`)), false, `${what} kept the zip`);
        assert.match(result.stderr, c.says, `${what} said:\n${result.stderr}`);
        said.push(proxySaid(result));
      }
      const faulted = e.upstream.faulted;
      for (const answer of c.closedWithinMs === undefined ? [] : faulted) {
        assert.ok(answer.closedMs !== undefined, `the proxy never closed ${answer.path}`);
        const open = answer.closedMs - answer.startedMs;
        assert.ok(open <= c.closedWithinMs!, `the proxy read ${answer.path} for ${Math.round(open)} ms (${answer.bytesSent} bytes)`);
      }
      const keptWhileFaulted = await assertNothingBadKept(e, target);
      assert.ok(faulted.length >= 2, `only ${faulted.length} requests met the fault: each client's download should have`);
      const askedBeforeHeal = typeof target === "string" ? e.upstream.count(target) : 0;

      e.upstream.heal();
      await upstreamUp(e);
      const go = await freshClient(e, true, c.noSumDb);
      const healed = await go.runOk(["mod", "download", "-json", `${GREET}@${VERSION}`]);
      assertDownloadedSums(e.tree, parseJsonStream<DownloadedModule>(healed.stdout), [`${GREET}@${VERSION}`]);
      const keptHealed = await assertNothingBadKept(e);
      for (const ext of ["info", "mod", "zip"]) assert.ok(keptHealed.includes(`${FILE.slice(1)}.${ext}`), `${ext} stored once healed`);
      // Nothing of the failure was remembered, and the healed file cost one fetch.
      if (typeof target === "string") assert.equal(e.upstream.count(target) - askedBeforeHeal, 1, `upstream requests for ${target} once healed`);

      const longestOpen = Math.max(...faulted.map((a) => (a.closedMs ?? Infinity) - a.startedMs));
      const kept = keptWhileFaulted.length === 0 ? "nothing" : keptWhileFaulted.join(" ");
      console.log(
        `      fault-matrix ${c.fault}${c.noSumDb ? " (GONOSUMDB)" : ""}: GOSUMDB on: ${said[0]} | GOSUMDB off: ${said[1]} | ` +
          `kept while faulted: ${kept} | ${faulted.length} faulted answers, longest open ${Math.round(longestOpen)} ms, ` +
          `most bytes sent ${Math.max(...faulted.map((a) => a.bytesSent))} | healed: ok`,
      );
    });
  }
});

/** The proxy's answer as go printed it ("<status>: <server response>"), or go's last line when it got no answer with a reason. */
function proxySaid(result: GoResult): string {
  const status = /: (\d{3} [A-Za-z ]+)\n\tserver response: (.*)/.exec(result.stderr);
  if (status) return `${status[1]}: ${status[2]}`;
  return result.stderr.trim().split("\n").slice(-1)[0];
}

/**
 * Storage holds no file matching `target`, nothing half-written in its temp
 * area, and every file it holds is byte for byte what the healthy upstream
 * serves at that path, beside the record it was checked against; the spool
 * is empty. Returns the version files and database files kept.
 */
async function assertNothingBadKept(e: ModproxyOverFixtures<FaultyUpstream>, target?: string | RegExp): Promise<string[]> {
  await eventually(async () => assert.deepEqual(await listFiles(e.spoolDir).catch(() => []), [], "spool files left behind"));
  const files = await listFiles(e.storageDir);
  assert.deepEqual(
    files.filter((f) => f.startsWith(".tmp/")),
    [],
    "half-written files in storage",
  );
  const kept = files.filter((f) => !f.startsWith(".tmp/") && !f.endsWith(".meta") && !/\/(@v\/list|@latest)$/.test(f));
  for (const key of kept) {
    const upstreamPath = `/${key}`;
    if (target !== undefined) assert.ok(typeof target === "string" ? upstreamPath !== target : !target.test(upstreamPath), `stored the faulted ${key}`);
    const want = await e.upstream.genuine(upstreamPath);
    assert.ok(want !== undefined, `stored ${key}, which the upstream does not have`);
    assert.ok((await fs.readFile(path.join(e.storageDir, key))).equals(want), `stored ${key} differs from the upstream's`);
    if (/\/@v\/[^/]+\.(info|mod|zip)$/.test(key)) assert.ok(files.includes(`${key}.meta`), `stored ${key} without its record`);
  }
  return kept;
}

/** Waits until the proxy counts its upstream as up: a reset, a hang or a 503 marks it down until its next probe answers. */
async function upstreamUp(e: ModproxyOverFixtures<FaultyUpstream>): Promise<void> {
  const label = `modproxy_upstream_up{upstream="${new URL(e.upstream.url).host}"}`;
  await eventually(async () => {
    const metrics = (await rawRequest(e.proxy.url, "/metrics")).body.toString();
    assert.ok(metrics.includes(`${label} 1`), `the proxy has its upstream down`);
  }, 8_000);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
