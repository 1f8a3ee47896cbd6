import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig, SETTINGS, settingsEnvironment } from "../../proxy-app/src/config";
import { parseGoDuration } from "../../proxy-app/src/duration";
import { goToolchainDefaultProxy } from "../../proxy-app/src/go-toolchain";

describe("proxy configuration", () => {
  it("uses documented defaults and the go toolchain's default proxy without direct", () => {
    const c = loadConfig({}, {}, { defaultUpstream: goToolchainDefaultProxy });
    assert.equal(c.port, 3000);
    assert.equal(c.host, "0.0.0.0");
    assert.equal(c.storageDir, "./data");
    assert.equal(c.upstreamTimeoutMs, 30_000);
    assert.equal(c.directTimeoutMs, 300_000);
    assert.equal(c.vcsCredentialsFile, undefined);
    assert.match(c.upstream, /^https:\/\//);
    assert.doesNotMatch(c.upstream, /direct|off/);
  });

  it("reads environment variables and lets flags win", () => {
    const env = {
      PORT: "8080",
      MODPROXY_STORAGE_DIR: "/var/cache/mods",
      MODPROXY_UPSTREAM: "https://a.example|https://b.example",
      MODPROXY_UPSTREAM_TIMEOUT: "1m30s",
      MODPROXY_DIRECT_TIMEOUT: "10m",
      MODPROXY_VCS_CREDENTIALS_FILE: "/etc/modproxy/vcs/netrc",
    };
    const c = loadConfig(env, { port: "9090" });
    // Unset optional settings are absent or undefined; only what was given or defaulted is compared.
    const defined = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
    assert.deepEqual(defined, {
      port: 9090,
      host: "0.0.0.0",
      storage: "disk",
      storageDir: "/var/cache/mods",
      s3Prefix: "",
      upstream: "https://a.example|https://b.example",
      upstreamTimeoutMs: 90_000,
      directTimeoutMs: 600_000,
      vcsCredentialsFile: "/etc/modproxy/vcs/netrc",
      verify: "require",
      fetchDeadlineMs: 600_000,
      maxFetches: 64,
      listTtlMs: 60_000,
      notFoundTtlMs: 30_000,
      memoryCache: 64 * 1024 * 1024,
      logLevel: "info",
      logFormat: "auto",
      auditLog: "off",
    });
  });

  it("reads the log settings and refuses unknown levels and formats", () => {
    const c = loadConfig({
      MODPROXY_UPSTREAM: "off",
      MODPROXY_LOG_LEVEL: "warn",
      MODPROXY_LOG_FORMAT: "json",
      MODPROXY_AUDIT_LOG: "/var/log/modproxy-audit.log",
    });
    assert.deepEqual([c.logLevel, c.logFormat, c.auditLog], ["warn", "json", "/var/log/modproxy-audit.log"]);
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_LOG_LEVEL: "verbose" }),
      /MODPROXY_LOG_LEVEL \(--log-level\) = "verbose": must be one of/,
    );
    assert.throws(() => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_LOG_FORMAT: "text" }), /MODPROXY_LOG_FORMAT \(--log-format\) = "text"/);
  });

  it("reads the memory budget as a size and the workers as a count", () => {
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_MEMORY_CACHE: "512KiB" }).memoryCache, 512 * 1024);
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_MEMORY_CACHE: "1GB" }).memoryCache, 1e9);
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_MEMORY_CACHE: "0" }).memoryCache, 0);
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off" }, { memoryCache: "2 MiB" }).memoryCache, 2 * 1024 * 1024);
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_WORKERS: "4" }).workers, 4);
    assert.equal(loadConfig({ MODPROXY_UPSTREAM: "off" }).workers, undefined);
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_MEMORY_CACHE: "lots", MODPROXY_WORKERS: "0" }),
      (err: Error) =>
        err instanceof ConfigError &&
        /MODPROXY_MEMORY_CACHE \(--memory-cache\) = "lots": must be a size/.test(err.message) &&
        /MODPROXY_WORKERS \(--workers\) = "0": must be at least 1/.test(err.message),
    );
    assert.throws(() => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_MEMORY_CACHE: "64constructor" }), ConfigError);
  });

  it("reads the S3 settings and ends a non-empty prefix with /", () => {
    const env = {
      MODPROXY_UPSTREAM: "off",
      MODPROXY_STORAGE: "s3",
      MODPROXY_S3_BUCKET: "go-modules.example-1",
      MODPROXY_S3_PREFIX: "cache/modproxy",
      MODPROXY_S3_ENDPOINT: "http://127.0.0.1:9000",
    };
    const c = loadConfig(env);
    assert.equal(c.storage, "s3");
    assert.equal(c.s3Bucket, "go-modules.example-1");
    assert.equal(c.s3Prefix, "cache/modproxy/");
    assert.equal(c.s3Endpoint, "http://127.0.0.1:9000");
    assert.equal(loadConfig({ ...env, MODPROXY_S3_PREFIX: "cache/" }).s3Prefix, "cache/");
    assert.equal(loadConfig({ ...env, MODPROXY_S3_PREFIX: "" }).s3Prefix, "");
    assert.equal(loadConfig(env, { s3Bucket: "other-bucket" }).s3Bucket, "other-bucket");
  });

  it("refuses S3 storage without a bucket and an unknown storage kind", () => {
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_STORAGE: "s3" }),
      (e: Error) => e instanceof ConfigError && /MODPROXY_S3_BUCKET \(--s3-bucket\) is not set: required when MODPROXY_STORAGE is s3/.test(e.message),
    );
    assert.throws(() => loadConfig({ MODPROXY_STORAGE: "gcs" }), /MODPROXY_STORAGE \(--storage\) = "gcs": must be "disk" or "s3"/);
  });

  it("names every bad S3 setting in one error", () => {
    const env = { MODPROXY_STORAGE: "s3", MODPROXY_S3_BUCKET: "Bad_Bucket", MODPROXY_S3_PREFIX: "/abs", MODPROXY_S3_ENDPOINT: "ftp://127.0.0.1", PORT: "x" };
    assert.throws(
      () => loadConfig(env),
      (e: Error) =>
        e instanceof ConfigError &&
        /MODPROXY_S3_BUCKET \(--s3-bucket\) = "Bad_Bucket": must be a bucket name/.test(e.message) &&
        /MODPROXY_S3_PREFIX \(--s3-prefix\) = "\/abs": must be/.test(e.message) &&
        /MODPROXY_S3_ENDPOINT \(--s3-endpoint\) = "ftp:\/\/127.0.0.1": must be an http:\/\/ or https:\/\/ URL/.test(e.message) &&
        /PORT \(--port\) = "x"/.test(e.message),
    );
    for (const bucket of ["ab", "a".repeat(64), "-bucket", "bucket-", "my..bucket", "192.168.1.1", "UPPER"]) {
      assert.throws(() => loadConfig({ ...env, MODPROXY_S3_BUCKET: bucket }), /MODPROXY_S3_BUCKET .*must be a bucket name/, bucket);
    }
    for (const prefix of ["a/../b", "..", "a//b", "./a", "a\\b"]) {
      assert.throws(() => loadConfig({ ...env, MODPROXY_S3_PREFIX: prefix }), /MODPROXY_S3_PREFIX .*must be/, prefix);
    }
    for (const endpoint of ["not a url", "127.0.0.1:9000"]) {
      assert.throws(() => loadConfig({ ...env, MODPROXY_S3_ENDPOINT: endpoint }), /MODPROXY_S3_ENDPOINT .*must be an http/, endpoint);
    }
  });

  it("names every bad value in one error", () => {
    assert.throws(
      () => loadConfig({ PORT: "70000", MODPROXY_UPSTREAM: "https://a.example,ftp://b.example", MODPROXY_UPSTREAM_TIMEOUT: "soon" }),
      (e: Error) =>
        e instanceof ConfigError &&
        /PORT \(--port\) = "70000": must be at most 65535/.test(e.message) &&
        /MODPROXY_UPSTREAM \(--upstream\) = "https:\/\/a.example,ftp:\/\/b.example": .*http or https/.test(e.message) &&
        /MODPROXY_UPSTREAM_TIMEOUT \(--upstream-timeout\) = "soon": "soon" is not a duration/.test(e.message),
    );
    assert.throws(() => loadConfig({ PORT: "12ab" }), /PORT \(--port\) = "12ab": must be a whole number/);
    assert.throws(() => loadConfig({ MODPROXY_UPSTREAM_TIMEOUT: "0s" }), /at least 1ms/);
  });

  it("requires an upstream unless told where its default comes from, and runs nothing to find one", () => {
    assert.throws(
      () => loadConfig({ PATH: "/nonexistent" }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.problems.length === 1 &&
        e.problems[0].key === "upstream" &&
        /^MODPROXY_UPSTREAM \(--upstream\) is not set: required/.test(e.problems[0].text),
    );
  });

  it("names each bad setting by its key, for callers that chose the values", () => {
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_LIST_TTL: "0s", GOSUMDB: "Sum.Golang.Org" }),
      (e: Error) =>
        e instanceof ConfigError &&
        JSON.stringify(e.problems.map((p) => p.key)) === JSON.stringify(["goSumDb", "listTtlMs"]) &&
        e.problems[1].text === 'MODPROXY_LIST_TTL (--list-ttl) = "0s": must be at least 1ms',
    );
  });

  it("hands settings over as the environment variables it reads them from", () => {
    const env = settingsEnvironment({ upstream: "off", listTtlMs: "2m", goPrivate: undefined, spoolDir: "/var/spool/modproxy" });
    assert.deepEqual(env, { MODPROXY_UPSTREAM: "off", MODPROXY_LIST_TTL: "2m", MODPROXY_SPOOL_DIR: "/var/spool/modproxy" });
    assert.equal(loadConfig(env).listTtlMs, 120_000);
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

describe("auth and TLS settings", () => {
  it("take file paths and insist on certificate and key together", () => {
    const c = loadConfig({
      MODPROXY_UPSTREAM: "off",
      MODPROXY_AUTH_TOKENS_FILE: "/etc/modproxy/tokens",
      MODPROXY_TLS_CERT_FILE: "/tls/crt",
      MODPROXY_TLS_KEY_FILE: "/tls/key",
    });
    assert.equal(c.authTokensFile, "/etc/modproxy/tokens");
    assert.deepEqual([c.tlsCertFile, c.tlsKeyFile], ["/tls/crt", "/tls/key"]);
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_TLS_CERT_FILE: "/tls/crt" }),
      /MODPROXY_TLS_KEY_FILE \(--tls-key-file\) is not set: the TLS certificate and key go together/,
    );
    assert.throws(() => loadConfig({ MODPROXY_UPSTREAM: "off", MODPROXY_TLS_KEY_FILE: "/tls/key" }), /MODPROXY_TLS_CERT_FILE \(--tls-cert-file\) is not set/);
  });
});
