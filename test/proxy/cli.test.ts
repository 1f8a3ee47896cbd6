import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { accessStamp } from "../../proxy-app/src/access";
import { ArtifactStore, sha256Hex } from "../../proxy-app/src/artifact";
import { DiskStorage } from "../../proxy-app/src/storage/disk";

const CLI = path.resolve(__dirname, "../../proxy-app/src/cli.ts");
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

describe("modproxy command", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-cli-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("prints help naming every flag and its environment variable", () => {
    const r = node(["--help"]);
    assert.equal(r.status, 0);
    for (const s of [
      "serve",
      "warm",
      "verify",
      "--purge",
      "gc",
      "--unused-for",
      "--max-size",
      "--keep",
      "--delete",
      "--version",
      "--port",
      "PORT",
      "--storage-dir",
      "MODPROXY_STORAGE_DIR",
      "--upstream",
      "MODPROXY_UPSTREAM",
      "--upstream-timeout",
      "MODPROXY_UPSTREAM_TIMEOUT",
    ]) {
      assert.ok(r.stdout.includes(s), `help lacks ${s}`);
    }
  });

  it("refuses bad configuration with exit code 2, naming the value, and creates no storage", () => {
    const storage = path.join(dir, "never");
    const r = node(["serve", "--storage-dir", storage], { MODPROXY_UPSTREAM: "ftp://a.example", PORT: "http" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PORT \(--port\) = "http"/);
    assert.match(r.stderr, /MODPROXY_UPSTREAM \(--upstream\) = "ftp:\/\/a.example"/);
    assert.equal(spawnSync("test", ["-e", storage]).status, 1);
  });

  it("refuses an upstream URL with credentials without printing them", () => {
    const r = node(["serve", "--storage-dir", path.join(dir, "never")], { MODPROXY_UPSTREAM: "https://a.example|https://bot:hunter2@b.example/tok" });
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /upstream list entry 2 \(https:\/\/b\.example\/\.\.\.\) carries credentials in its URL: put them in the netrc file MODPROXY_VCS_CREDENTIALS_FILE/,
    );
    assert.doesNotMatch(r.stderr, /hunter2|bot|tok/);
  });

  it("rejects unknown verbs and flags, and warm without a path", () => {
    assert.equal(node(["fly"]).status, 2);
    const warm = node(["warm", "--storage-dir", path.join(dir, "never")], { MODPROXY_UPSTREAM: "off" });
    assert.equal(warm.status, 2);
    assert.match(warm.stderr, /name at least one go\.mod, go\.sum, go\.work or directory/);
    // --purge belongs to verify alone, and verify takes no paths.
    assert.equal(node(["warm", "--purge", "go.mod"]).status, 2);
    assert.equal(node(["verify", "go.mod"]).status, 2);
    const r = node(["serve", "--colour", "blue"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /colour/);
  });

  it("serves, prints the GOPROXY line, and exits cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [
      "--import",
      "tsx",
      CLI,
      "serve",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--storage-dir",
      path.join(dir, "data"),
      "--upstream",
      "off",
    ]);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    while (!/export GOPROXY=(\S+)/.test(out)) await once(child.stdout, "data");
    const url = /export GOPROXY=(\S+)/.exec(out)![1];
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });
});

describe("modproxy command start-up checks of files", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-cli-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("refuses an empty token file and a certificate that does not match its key, with exit code 2", async () => {
    await fs.writeFile(path.join(dir, "tokens"), "# none yet\n");
    const r1 = node(["serve", "--port", "0", "--upstream", "off", "--storage-dir", path.join(dir, "d"), "--auth-tokens-file", path.join(dir, "tokens")]);
    assert.equal(r1.status, 2);
    assert.match(r1.stderr, /holds no tokens/);
    await fs.writeFile(path.join(dir, "cert.pem"), "not a certificate");
    await fs.writeFile(path.join(dir, "key.pem"), "not a key");
    const r2 = node([
      "serve",
      "--port",
      "0",
      "--upstream",
      "off",
      "--storage-dir",
      path.join(dir, "d"),
      "--tls-cert-file",
      path.join(dir, "cert.pem"),
      "--tls-key-file",
      path.join(dir, "key.pem"),
    ]);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /do not make a usable pair/);
  });

  it("refuses fetching from version control without go or git on PATH, or with an unreadable credentials file", async () => {
    const which = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim();
    const serve = (env: NodeJS.ProcessEnv, extra: string[] = []) =>
      node(["serve", "--port", "0", "--upstream", "off", "--storage-dir", path.join(dir, "d"), ...extra], env);
    for (const [present, missing] of [
      ["git", "go"],
      ["go", "git"],
    ]) {
      const bin = path.join(dir, `only-${present}`);
      await fs.mkdir(bin);
      await fs.symlink(which(present), path.join(bin, present));
      // Checked once before the workers start, so one line says it however many there are.
      for (const [setting, env, extra] of [
        ["GOPRIVATE=git.example.test", { GOPRIVATE: "git.example.test" }, []],
        ["MODPROXY_UPSTREAM=https://proxy.example.test,direct", {}, ["--upstream", "https://proxy.example.test,direct"]],
      ] as const) {
        const r = serve({ PATH: bin, MODPROXY_WORKERS: "2", ...env }, [...extra]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(
          r.stderr,
          `modproxy: fetching modules from version control (${setting}) needs ${missing} on PATH (spawn ${missing} ENOENT); ` +
            "the slim image has neither go nor git: run the full one\n",
        );
      }
    }
    const r = serve({ GOPRIVATE: "git.example.test" }, ["--vcs-credentials-file", path.join(dir, "no-such-netrc")]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot read the credentials file .*no-such-netrc/);
  });
});

describe("modproxy command start-up checks of the port and storage", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-cli-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const serveArgs = (extra: string[]) => ["serve", "--host", "127.0.0.1", "--upstream", "off", ...extra];

  it("prints its version, as a verb and as a flag", async () => {
    const { version } = JSON.parse(await fs.readFile(path.resolve(__dirname, "../../package.json"), "utf8")) as { version: string };
    for (const arg of ["--version", "version"]) {
      const r = node([arg]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `modproxy ${version}\n`);
    }
  });

  it("refuses a port in use in one line naming the address and settings, with exit code 2", async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      // With workers the primary tries the port first; otherwise each worker would fail and say so.
      for (const workers of ["1", "2"]) {
        const r = await nodeAsync(serveArgs(["--port", String(port), "--storage-dir", path.join(dir, "d"), "--workers", workers]));
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stderr, `modproxy: cannot listen on 127.0.0.1:${port} (MODPROXY_HOST, PORT): address already in use\n`, `${workers} workers`);
      }
    } finally {
      taken.close();
    }
  });

  it("refuses a storage directory it cannot write, naming the setting, before serving", async () => {
    const file = path.join(dir, "a-file");
    await fs.writeFile(file, "");
    const r = node(serveArgs(["--port", "0", "--storage-dir", file]));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^modproxy: cannot use the storage .*a-file \(MODPROXY_STORAGE_DIR\): .*ENOTDIR/);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.doesNotMatch(r.stdout, /serving/);
  });

  it("refuses a missing S3 bucket before serving", async () => {
    // An S3 endpoint that knows no bucket: HeadBucket answers 404.
    const s3 = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => s3.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
      const r = await nodeAsync(serveArgs(["--port", "0", "--storage", "s3", "--s3-bucket", "no-such-bucket", "--s3-endpoint", endpoint]), {
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(
        r.stderr,
        /^modproxy: cannot use the storage s3:\/\/no-such-bucket\/ \(MODPROXY_S3_BUCKET\): S3 bucket no-such-bucket: NoSuchBucket \(404\)$/m,
      );
      assert.doesNotMatch(r.stdout, /serving/);
    } finally {
      s3.close();
    }
  });
});

/** As node(), without blocking this process: for tests whose own servers must answer the child. */
async function nodeAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const [status] = (await once(child, "exit")) as [number | null];
  return { status, stdout, stderr: stderr.replace(/^\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?--trace-warnings[^\n]*\n/, "") };
}

describe("modproxy gc on a disk store", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-cli-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("records when serve served a version, written when it stops", async () => {
    const data = path.join(dir, "data");
    const store = new ArtifactStore(await new DiskStorage(data).init());
    const mod = Buffer.from("module example.com/m\n");
    await store.put("example.com/m/@v/v1.0.0.mod", mod, { sha256: sha256Hex(mod), size: mod.length, checksum: "not-looked-up" });
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve", "--port", "0", "--host", "127.0.0.1", "--storage-dir", data, "--upstream", "off"]);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    while (!/export GOPROXY=(\S+)/.test(out)) await once(child.stdout, "data");
    const url = /export GOPROXY=(\S+)/.exec(out)![1];
    const before = Date.now();
    const res = await fetch(`${url}/example.com/m/@v/v1.0.0.mod`);
    assert.equal(res.status, 200);
    assert.equal(await store.storage.stat("example.com/m/@v/v1.0.0.access"), undefined, "written in batches, not per request");
    child.kill("SIGTERM");
    assert.deepEqual(await once(child, "exit"), [0, null]);
    const stamp = JSON.parse(await fs.readFile(path.join(data, "example.com/m/@v/v1.0.0.access"), "utf8")) as { lastAccess: string };
    assert.ok(Date.parse(stamp.lastAccess) >= before - 1000, stamp.lastAccess);
  });

  it("says what it would remove, removes it only with --delete, and keeps pinned versions", async () => {
    const store = await new DiskStorage(path.join(dir, "data")).init();
    const day = 24 * 3600_000;
    for (const [module, version, daysAgo] of [
      ["example.com/old", "v1.0.0", 90],
      ["example.com/pinned", "v1.0.0", 90],
      ["example.com/new", "v1.0.0", 1],
    ] as const) {
      for (const kind of ["info", "mod", "zip"]) await store.write(`${module}/@v/${version}.${kind}`, Buffer.alloc(1000));
      await store.write(`${module}/@v/${version}.access`, accessStamp(Date.now() - daysAgo * day));
    }
    await fs.writeFile(path.join(dir, "pins"), "# release 1.0\nexample.com/pinned@v1.0.0\n");
    const args = ["gc", "--storage-dir", path.join(dir, "data"), "--unused-for", "720h", "--keep", path.join(dir, "pins")];

    const dry = node(args);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^would remove example\.com\/old@v1\.0\.0 \(3\.\d kB\): not used since /m);
    assert.doesNotMatch(dry.stdout, /remove example\.com\/(pinned|new)/);
    assert.match(dry.stdout, /3 versions, .*would remove 1 \(3\.\d kB\), 1 pinned/);
    assert.match(dry.stdout, /dry run: nothing was removed/);
    assert.ok(await store.stat("example.com/old/@v/v1.0.0.zip"));

    const real = node([...args, "--delete"]);
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /^removed example\.com\/old@v1\.0\.0/m);
    assert.equal(await store.stat("example.com/old/@v/v1.0.0.zip"), undefined);
    assert.equal(await store.stat("example.com/old/@v/v1.0.0.access"), undefined);
    assert.ok(await store.stat("example.com/pinned/@v/v1.0.0.zip"));
    assert.ok(await store.stat("example.com/new/@v/v1.0.0.zip"));

    const bad = node(["gc", "--storage-dir", path.join(dir, "data"), "--max-size", "plenty"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"plenty" is not a size/);
  });
});
