import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { listFiles } from "../support/files";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest, RawResponse } from "../support/raw-http";

// modproxy at the HTTP level: hostile and malformed requests, the protocol's
// headers, and what clients see when the upstream fails.

const GREET = "/example.com/fixture/greet";
const SENTINEL = "sentinel.txt";

/** Path, size and content hash of every file under dir: enough to see anything appear or change. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = await listFiles(dir);
  const entries = await Promise.all(
    files.map(async (file) => {
      const data = await fs.readFile(path.join(dir, file));
      return [file, `${data.length} ${createHash("sha256").update(data).digest("hex")}`] as const;
    }),
  );
  return new Map(entries);
}

function assertPlainTextReason(response: RawResponse): void {
  assert.match(String(response.headers["content-type"]), /^text\/plain/);
  assert.ok(response.body.toString().trim().length > 0, "the body should say why");
}

/** Seconds of max-age in a Cache-Control header; 0 for no-cache/no-store, undefined when it allows caching without a bound. */
function maxAgeSeconds(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  if (/\b(no-cache|no-store)\b/.test(cacheControl)) return 0;
  const match = /\bmax-age=(\d+)/.exec(cacheControl);
  return match ? Number(match[1]) : undefined;
}

interface BadRequest {
  why: string;
  method?: string;
  path: string;
  /** Statuses a careful implementation may answer with. */
  expect: number[];
}

const LONG_PATH = "/example.com/" + "deep/".repeat(210) + "@v/list";
const LONG_ELEMENT = "/example.com/" + "a".repeat(300) + "/@v/list";

const BAD_REQUESTS: BadRequest[] = [
  // Traversal: must not reach the sentinel beside the storage directory, nor write there.
  { why: "raw .. segments", path: `${GREET}/@v/../../../../../${SENTINEL}`, expect: [400, 404] },
  { why: "raw .. as the module path", path: `/../@v/v1.0.0.info`, expect: [400, 404] },
  { why: "percent-encoded .. segments", path: `/%2e%2e/%2e%2e/%2e%2e/${SENTINEL}`, expect: [400, 404] },
  { why: "percent-encoded .. in a module path", path: `/example.com/%2e%2e/%2e%2e/escaped/@v/v1.0.0.info`, expect: [400, 404] },
  { why: "percent-encoded slashes and ..", path: `/..%2F..%2F..%2Fescaped/@v/v1.0.0.info`, expect: [400, 404] },
  { why: "percent-encoded .. and slash in a version", path: `${GREET}/@v/..%2F..%2F..%2Fescaped.info`, expect: [400, 404] },
  { why: "backslash traversal", path: `${GREET}/@v/..%5C..%5C..%5Cescaped.mod`, expect: [400, 404] },
  { why: "NUL byte", path: `${GREET}%00/@v/list`, expect: [400, 404] },
  // Case encoding.
  { why: "raw upper case in a module path", path: `/example.com/Fixture/MixedCase/@v/list`, expect: [400, 404] },
  { why: "raw upper case in a module path (.info)", path: `/example.com/Fixture/MixedCase/@v/v1.0.0.info`, expect: [400, 404] },
  { why: "raw upper case in a version", path: `/example.com/!fixture/!mixed!case/@v/V1.0.0.mod`, expect: [400, 404] },
  { why: "! followed by a non-letter", path: `/example.com/!1fixture/@v/list`, expect: [400, 404] },
  { why: "!!", path: `/example.com/!!fixture/@v/list`, expect: [400, 404] },
  { why: "trailing !", path: `/example.com/fixture!/@v/list`, expect: [400, 404] },
  // Versions that are not canonical semantic versions cannot name a .mod or .zip.
  ...["v1", "1.0.0", "v1.0.0-", "v01.0.0", "v1.0", "v1.0.0%2F..", "v1.0.0%2Fx", "..%2Fv1.0.0"].flatMap((version) =>
    ["mod", "zip"].map((ext) => ({ why: `invalid version ${version} (.${ext})`, path: `${GREET}/@v/${version}.${ext}`, expect: [400, 404] })),
  ),
  { why: "unknown file kind", path: `${GREET}/@v/v1.0.0.tar`, expect: [400, 404] },
  // Paths and versions the go command refuses (module.CheckPath, CheckPathMajor): nothing to ask an upstream about.
  ...[
    ["a Windows-reserved element", "/example.com/fixture/aux/@v/list"],
    ["a Windows-reserved element with an extension", "/example.com/fixture/con.txt/@latest"],
    ["an element ending in ~ and digits", "/example.com/fixture/greet~1/@v/v1.0.0.info"],
    ["a /v1 suffix", `${GREET}/v1/@v/list`],
    ["a /v02 suffix", `${GREET}/v02/@latest`],
    ["a /v2 path at v3", `${GREET}/v2/@v/v3.0.0.mod`],
    ["a path without suffix at v2, without +incompatible", `${GREET}/@v/v2.0.0.zip`],
    ["a /v2 path at +incompatible", `${GREET}/v2/@v/v2.0.0+incompatible.info`],
    ["gopkg.in without .vN", "/gopkg.in/foo/@v/list"],
    ["gopkg.in .v3 at v2", "/gopkg.in/yaml.v3/@v/v2.0.0.info"],
    ["a version named like a Windows device", `${GREET}/@v/nul.info`],
    ["a checksum lookup with a mismatched major", "/sumdb/sum.example.com/lookup/example.com/fixture/greet/v2@v3.0.0"],
    ["a checksum lookup of a Windows-reserved path", "/sumdb/sum.example.com/lookup/example.com/aux@v1.0.0"],
  ].map(([why, path]) => ({ why: `module path or version Go refuses: ${why}`, path, expect: [400, 404] })),
  // Length limits.
  { why: `path of ${LONG_PATH.length} characters`, path: LONG_PATH, expect: [400, 404, 414] },
  { why: "path element of 300 characters", path: LONG_ELEMENT, expect: [400, 404] },
  // Only GET and HEAD exist in the protocol.
  ...["POST", "PUT", "DELETE", "PATCH"].map((method) => ({ why: "only GET and HEAD exist", method, path: `${GREET}/@v/v1.0.0.info`, expect: [405] })),
];

describe("modproxy HTTP interface", function () {
  describe("bad input", function () {
    let env: ModproxyOverFixtures;
    let sentinelContent: string;
    let rootBefore: Map<string, string>;
    let upstreamRequestsBefore: number;

    before(async function () {
      env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000 });
      sentinelContent = `sentinel ${randomBytes(16).toString("hex")}\n`;
      await fs.writeFile(path.join(env.root, SENTINEL), sentinelContent);
      rootBefore = await snapshot(env.root);
      upstreamRequestsBefore = env.upstream.requests.length;
    });

    after(async function () {
      await env?.stop();
    });

    for (const bad of BAD_REQUESTS) {
      it(`answers ${bad.expect.join(" or ")} to ${bad.method ?? "GET"}: ${bad.why}`, async function () {
        const response = await rawRequest(env.proxy.url, bad.path, { method: bad.method });
        assert.ok(
          bad.expect.includes(response.status),
          `${bad.method ?? "GET"} ${bad.path.slice(0, 120)}: got ${response.status} ${response.body.toString().slice(0, 200)}`,
        );
        assertPlainTextReason(response);
        assert.ok(!response.body.toString().includes(sentinelContent), "the body leaks the sentinel file");
        if (response.status === 405) {
          const allowed = String(response.headers.allow ?? "")
            .split(",")
            .map((m) => m.trim())
            .sort();
          assert.deepEqual(allowed, ["GET", "HEAD"]);
        }
      });
    }

    it("wrote nothing outside the storage directory, and stored nothing for any of those requests", async function () {
      assert.deepEqual(await snapshot(env.root), rootBefore);
    });

    it("asked the upstream for none of those requests", function () {
      assert.deepEqual(env.upstream.requests.slice(upstreamRequestsBefore), []);
    });
  });

  describe("protocol headers and caching", function () {
    let env: ModproxyOverFixtures;

    before(async function () {
      env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000 });
    });

    after(async function () {
      await env?.stop();
    });

    for (const ext of ["info", "mod", "zip"]) {
      const file = `${GREET}/@v/v1.1.0.${ext}`;

      it(`serves .${ext} of a canonical version with long-lived caching and an ETag that gives 304`, async function () {
        const response = await rawRequest(env.proxy.url, file);
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, await fs.readFile(path.join(env.tree.dir, file)));
        const cacheControl = String(response.headers["cache-control"] ?? "");
        assert.ok(/\bimmutable\b/.test(cacheControl) || (maxAgeSeconds(cacheControl) ?? 0) >= 86_400, `Cache-Control: ${cacheControl}`);
        const etag = response.headers.etag;
        assert.ok(etag, "an ETag");
        const revalidated = await rawRequest(env.proxy.url, file, { headers: { "If-None-Match": etag } });
        assert.equal(revalidated.status, 304);
        assert.equal(revalidated.body.length, 0);
      });

      it(`answers HEAD for .${ext} with the headers of GET and no body`, async function () {
        const get = await rawRequest(env.proxy.url, file);
        const head = await rawRequest(env.proxy.url, file, { method: "HEAD" });
        assert.equal(head.status, 200);
        assert.equal(head.body.length, 0);
        for (const header of ["etag", "cache-control", "content-type"]) assert.equal(head.headers[header], get.headers[header], header);
        if (head.headers["content-length"] !== undefined) assert.equal(Number(head.headers["content-length"]), get.body.length);
      });
    }

    it("serves each version file from disk, without asking the upstream, as soon as one download of it has finished", async function () {
      for (const file of ["info", "mod", "zip"].map((ext) => `${GREET}/@v/v1.0.0.${ext}`)) {
        const expected = await fs.readFile(path.join(env.tree.dir, file));
        assert.deepEqual((await rawRequest(env.proxy.url, file)).body, expected);
        const asked = env.upstream.requests.length;
        assert.deepEqual((await rawRequest(env.proxy.url, file)).body, expected);
        assert.deepEqual(env.upstream.requests.slice(asked), [], `the second GET ${file} went to the upstream`);
      }
    });

    it("gives every one of several simultaneous first requests for a zip the whole zip, and stores it", async function () {
      const file = `${GREET}/@v/v1.3.0-rc.1.zip`;
      const expected = await fs.readFile(path.join(env.tree.dir, file));
      const responses = await Promise.all(Array.from({ length: 6 }, () => rawRequest(env.proxy.url, file)));
      for (const response of responses) {
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, expected);
      }
      const asked = env.upstream.requests.length;
      assert.deepEqual((await rawRequest(env.proxy.url, file)).body, expected);
      assert.deepEqual(env.upstream.requests.slice(asked), []);
    });

    it("answers HEAD for a missing module with 404 and no body", async function () {
      const head = await rawRequest(env.proxy.url, "/example.com/fixture/nope/@v/v1.0.0.info", { method: "HEAD" });
      assert.equal(head.status, 404);
      assert.equal(head.body.length, 0);
    });

    for (const [what, file] of [
      ["list", `${GREET}/@v/list`],
      ["@latest", `${GREET}/@latest`],
    ]) {
      it(`gives ${what} short-lived caching`, async function () {
        const response = await rawRequest(env.proxy.url, file);
        assert.equal(response.status, 200);
        const cacheControl = String(response.headers["cache-control"] ?? "");
        const maxAge = maxAgeSeconds(cacheControl);
        assert.ok(maxAge !== undefined && maxAge <= 600 && !/\bimmutable\b/.test(cacheControl), `Cache-Control: ${cacheControl}`);
      });
    }

    it("answers @latest with the highest release", async function () {
      const response = await rawRequest(env.proxy.url, `${GREET}/@latest`);
      assert.equal(response.status, 200);
      assert.equal(JSON.parse(response.body.toString()).Version, "v1.2.0");
    });

    it("lists the upstream's versions together with the ones it has cached", async function () {
      assert.equal((await rawRequest(env.proxy.url, `${GREET}/@v/v1.0.0.info`)).status, 200);
      // The upstream forgets v1.0.0 (a deleted tag, a mirror that lost it); the cached copy still counts.
      const listFile = path.join(env.tree.dir, GREET, "@v", "list");
      const original = await fs.readFile(listFile);
      const versions = original
        .toString()
        .split("\n")
        .filter((v) => v !== "");
      assert.ok(versions.includes("v1.0.0"));
      await fs.writeFile(listFile, versions.filter((v) => v !== "v1.0.0").join("\n") + "\n");
      try {
        const response = await rawRequest(env.proxy.url, `${GREET}/@v/list`);
        assert.equal(response.status, 200);
        const listed = response.body
          .toString()
          .split("\n")
          .filter((v) => v !== "");
        assert.deepEqual([...listed].sort(), [...versions].sort());
      } finally {
        await fs.writeFile(listFile, original);
      }
    });

    it("answers .mod without fetching the zip from the upstream", async function () {
      const asked = env.upstream.requests.length;
      const response = await rawRequest(env.proxy.url, `${GREET}/@v/v1.2.0.mod`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, await fs.readFile(path.join(env.tree.dir, GREET, "@v", "v1.2.0.mod")));
      const zips = env.upstream.requests.slice(asked).filter((r) => r.path.endsWith(".zip"));
      assert.deepEqual(zips, []);
    });

    it("serves the case-encoded path of a mixed-case module", async function () {
      const response = await rawRequest(env.proxy.url, "/example.com/!fixture/!mixed!case/@v/v1.0.0.mod");
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), "module example.com/Fixture/MixedCase\n\ngo 1.21\n");
    });
  });

  describe("when the upstream fails", function () {
    let env: ModproxyOverFixtures;

    beforeEach(async function () {
      env = await startModproxyOverFixtures({ upstreamTimeoutMs: 500 });
    });

    afterEach(async function () {
      await env?.stop();
    });

    it("answers 502 with a reason when the upstream answers 500", async function () {
      env.upstream.behaviour = "fail";
      const response = await rawRequest(env.proxy.url, `${GREET}/@v/v1.0.0.info`);
      assert.equal(response.status, 502);
      assertPlainTextReason(response);
    });

    it("answers 504 with a reason, within the timeout, when the upstream hangs", async function () {
      env.upstream.behaviour = "hang";
      const response = await rawRequest(env.proxy.url, `${GREET}/@v/v1.0.0.info`, { timeoutMs: 10_000 });
      assert.equal(response.status, 504);
      assertPlainTextReason(response);
      assert.ok(response.elapsedMs < 3_000, `took ${response.elapsedMs}ms with a 500ms upstream timeout`);
    });

    it("stores nothing of a zip the upstream broke off, and fetches it whole next time", async function () {
      const file = `${GREET}/@v/v1.2.0.zip`;
      const expected = await fs.readFile(path.join(env.tree.dir, file));
      env.upstream.behaviour = "truncate";
      const broken = await rawRequest(env.proxy.url, file).catch((error: Error) => error);
      assert.ok(broken instanceof Error || broken.status !== 200 || !broken.body.equals(expected), "a truncated upstream zip was served as complete");
      env.upstream.behaviour = "serve";
      const whole = await rawRequest(env.proxy.url, file);
      assert.equal(whole.status, 200);
      assert.deepEqual(whole.body, expected);
    });

    it("serves @latest from the cached versions when the upstream is stopped", async function () {
      for (const ext of ["info", "mod"]) {
        assert.equal((await rawRequest(env.proxy.url, `${GREET}/@v/v1.1.0.${ext}`)).status, 200);
      }
      await env.stopUpstream();
      const response = await rawRequest(env.proxy.url, `${GREET}/@latest`);
      assert.equal(response.status, 200);
      assert.equal(JSON.parse(response.body.toString()).Version, "v1.1.0");
    });

    for (const [how, breakUpstream] of [
      ["answers 500", (env: ModproxyOverFixtures) => void (env.upstream.behaviour = "fail")],
      ["is stopped", (env: ModproxyOverFixtures) => env.stopUpstream()],
    ] as const) {
      it(`serves list from the cached versions when the upstream ${how}`, async function () {
        const cached = ["v1.0.0", "v1.1.0"];
        for (const version of cached) {
          for (const ext of ["info", "mod", "zip"]) {
            assert.equal((await rawRequest(env.proxy.url, `${GREET}/@v/${version}.${ext}`)).status, 200);
          }
        }
        await breakUpstream(env);
        const response = await rawRequest(env.proxy.url, `${GREET}/@v/list`);
        assert.equal(response.status, 200);
        const listed = response.body
          .toString()
          .split("\n")
          .filter((line) => line !== "");
        for (const version of cached) assert.ok(listed.includes(version), `list lacks ${version}: ${JSON.stringify(listed)}`);
      });
    }
  });
});
