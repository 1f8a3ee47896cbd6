import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig, SETTINGS } from "../../proxy-app/src/config";
import { parseGoDuration } from "../../proxy-app/src/duration";

describe("proxy configuration", () => {
  it("uses documented defaults and the go toolchain's default proxy without direct", () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.host, "0.0.0.0");
    assert.equal(c.storageDir, "./data");
    assert.equal(c.upstreamTimeoutMs, 30_000);
    assert.match(c.upstream, /^https:\/\//);
    assert.doesNotMatch(c.upstream, /direct|off/);
  });

  it("reads environment variables and lets flags win", () => {
    const env = { PORT: "8080", MODPROXY_STORAGE_DIR: "/var/cache/mods", MODPROXY_UPSTREAM: "https://a.example|https://b.example", MODPROXY_UPSTREAM_TIMEOUT: "1m30s" };
    const c = loadConfig(env, { port: "9090" });
    assert.deepEqual(c, { port: 9090, host: "0.0.0.0", storageDir: "/var/cache/mods", upstream: "https://a.example|https://b.example", upstreamTimeoutMs: 90_000 });
  });

  it("names every bad value in one error", () => {
    assert.throws(
      () => loadConfig({ PORT: "70000", MODPROXY_UPSTREAM: "https://a.example,direct", MODPROXY_UPSTREAM_TIMEOUT: "soon" }),
      (e: Error) =>
        e instanceof ConfigError &&
        /PORT \(--port\) = "70000": must be at most 65535/.test(e.message) &&
        /MODPROXY_UPSTREAM \(--upstream\) = "https:\/\/a.example,direct": .*"direct"/.test(e.message) &&
        /MODPROXY_UPSTREAM_TIMEOUT \(--upstream-timeout\) = "soon": "soon" is not a duration/.test(e.message),
    );
    assert.throws(() => loadConfig({ PORT: "12ab" }), /PORT \(--port\) = "12ab": must be a whole number/);
    assert.throws(() => loadConfig({ MODPROXY_UPSTREAM_TIMEOUT: "0s" }), /at least 1ms/);
  });

  it("parses Go durations", () => {
    assert.equal(parseGoDuration("500ms"), 500);
    assert.equal(parseGoDuration("1h2m3s"), 3_723_000);
    assert.equal(parseGoDuration("1.5s"), 1500);
    for (const bad of ["", "10", "s", "1x", "1s "]) assert.throws(() => parseGoDuration(bad), bad);
  });
});

describe("README configuration table", () => {
  it("documents every setting with its variable, flag and default", () => {
    const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
    for (const s of SETTINGS) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${s.env}\` |`));
      assert.ok(row, `README has no row for ${s.env}`);
      assert.ok(row.includes(`\`${s.flag}\``), `README row of ${s.env} lacks ${s.flag}`);
      if (s.default !== undefined) assert.ok(row.includes(`\`${s.default}\``), `README row of ${s.env} lacks default ${s.default}`);
    }
  });
});
