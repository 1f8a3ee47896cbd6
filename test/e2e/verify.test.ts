import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { encodeCase } from "../../proxy-app/src/module-path";
import { runModproxy } from "../support/modproxy-cli";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";

// modproxy verify over a store the proxy filled and that was then altered
// behind its back: a zip's bytes changed, a .mod rewritten, a record lost, a
// record left unverified. It reports each, --purge removes the bad files,
// and the proxy fetches them again.

const GREET = "example.com/fixture/greet";
const MIXED = "example.com/Fixture/MixedCase";
const LEGACY = "example.com/fixture/legacy";

const keyOf = (module: string, version: string, kind: string) => `${encodeCase(module)}/@v/${encodeCase(version)}.${kind}`;

describe("modproxy verify", function () {
  this.timeout(120_000);
  let env: ModproxyOverFixtures;
  let cliEnv: NodeJS.ProcessEnv;
  const file = (key: string) => path.join(env.storageDir, key);
  const tampered = [keyOf(GREET, "v1.0.0", "zip"), keyOf(MIXED, "v1.0.0", "mod")];

  before(async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000 });
    const wanted = [
      ...["info", "mod", "zip"].map((k) => keyOf(GREET, "v1.0.0", k)),
      ...["mod", "zip"].flatMap((k) => [keyOf(GREET, "v1.1.0", k), keyOf(MIXED, "v1.0.0", k), keyOf(LEGACY, "v1.0.0", k)]),
    ];
    for (const key of wanted) {
      const res = await fetch(`${env.proxy.url}/${key}`);
      assert.equal(res.status, 200, key);
      await res.arrayBuffer();
    }
    const zip = await fs.readFile(file(tampered[0]));
    zip[Math.floor(zip.length / 2)] ^= 0xff;
    await fs.writeFile(file(tampered[0]), zip);
    await fs.writeFile(file(tampered[1]), `module ${MIXED}\n\ngo 1.22\n`);
    await fs.rm(file(`${keyOf(GREET, "v1.1.0", "mod")}.meta`));
    const legacyMeta = file(`${keyOf(LEGACY, "v1.0.0", "zip")}.meta`);
    const record = JSON.parse(await fs.readFile(legacyMeta, "utf8"));
    await fs.writeFile(legacyMeta, JSON.stringify({ ...record, checksum: "unverified", db: undefined }) + "\n");
    cliEnv = {
      MODPROXY_STORAGE: "disk",
      MODPROXY_STORAGE_DIR: env.storageDir,
      MODPROXY_UPSTREAM: env.upstream.url,
      GOSUMDB: env.sumdb!.vkey,
      GOPRIVATE: "",
      GONOPROXY: "",
      GONOSUMDB: "",
      MODPROXY_VERIFY: "require",
      MODPROXY_SPOOL_DIR: path.join(env.root, "spool"),
    };
  });

  after(async () => env?.stop());

  it("reports tampered files, records a good file without a record and verifies an unverified one, changing nothing else", async function () {
    const r = await runModproxy(["verify"], cliEnv);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^verify: 9 files checked in [\d.]+s: 7 ok, 2 mismatched; 1 without a record \(1 recorded now\), 1 unverified now verified$/m);
    // The zip's own checks catch the altered byte before its hash is held to the record.
    assert.match(r.stdout, new RegExp(`^  ${tampered[0]}: module zip file ".*" fails its CRC-32 check$`, "m"));
    assert.match(r.stdout, new RegExp(`^  ${tampered[1]}: its bytes differ from its record`, "m"));
    assert.match(r.stdout, /run modproxy verify --purge to remove them/);
    for (const key of tampered) await fs.access(file(key));
    const recorded = JSON.parse(await fs.readFile(file(`${keyOf(GREET, "v1.1.0", "mod")}.meta`), "utf8"));
    assert.equal(recorded.checksum, "verified");
    assert.equal(recorded.h1, env.tree.hashes.get(`${GREET}@v1.1.0`)!.goMod);
    const legacy = JSON.parse(await fs.readFile(file(`${keyOf(LEGACY, "v1.0.0", "zip")}.meta`), "utf8"));
    assert.deepEqual([legacy.checksum, legacy.db], ["verified", env.sumdb!.name]);
  });

  it("removes the tampered files with --purge, and the proxy fetches them again", async function () {
    const r = await runModproxy(["verify", "--purge"], cliEnv);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /9 files checked in [\d.]+s: 7 ok, 2 mismatched \(removed\); 0 without a record/);
    // A running proxy still answers from memory the good copies it checked before the files were altered;
    // one started afresh on the store, as after a rollout, has only storage to go by.
    await env.restartProxy({});
    for (const key of tampered) {
      await assert.rejects(fs.access(file(key)), { code: "ENOENT" });
      await assert.rejects(fs.access(file(`${key}.meta`)), { code: "ENOENT" });
      const res = await fetch(`${env.proxy.url}/${key}`);
      assert.equal(res.status, 200, key);
      const served = Buffer.from(await res.arrayBuffer());
      assert.ok(served.equals(await fs.readFile(path.join(env.tree.dir, key))), `${key} as the upstream has it`);
      assert.ok((await fs.readFile(file(key))).equals(served), `${key} stored again`);
    }
    const again = await runModproxy(["verify"], cliEnv);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /9 files checked in [\d.]+s: 9 ok, 0 mismatched/);
  });

  it("says when the checksum database cannot be reached and keeps going, leaving a file it could not verify unrecorded", async function () {
    // A version whose database record the store does not hold yet.
    const key = keyOf(LEGACY, "v2.0.0+incompatible", "mod");
    await fs.writeFile(file(key), await fs.readFile(path.join(env.tree.dir, key)));
    await env.stopUpstream();
    const r = await runModproxy(["verify"], cliEnv);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /checksum database .* cannot be reached.*: going on without it/);
    assert.match(r.stdout, /10 files checked in [\d.]+s: 10 ok, 0 mismatched; 1 without a record \(0 recorded now\)/);
    assert.match(r.stdout, /^not held to the checksum database: 1 files \(/m);
    await assert.rejects(fs.access(file(`${key}.meta`)), { code: "ENOENT" });
  });
});
