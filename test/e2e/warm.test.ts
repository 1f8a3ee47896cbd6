import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { RunningProxy, startProxy } from "../../proxy-app/src/app";
import { encodeCase } from "../../proxy-app/src/module-path";
import { listFiles } from "../support/files";
import { createGoSandbox, GoSandbox } from "../support/go";
import { readGoSum } from "../support/go-output";
import { runModproxy } from "../support/modproxy-cli";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { splitModuleVersion } from "../support/module-path";
import { assertGoSumMatches } from "../support/sum-checks";

// modproxy warm fills a fresh store from a multi-module project (a go.work
// over two modules, one replacing the other with its directory) whose go.sum
// files the real go command wrote; a proxy on that store with no upstream at
// all then serves the project's build to a verifying go command.

const PROJECT: Record<string, string> = {
  "go.work": "go 1.21\n\nuse (\n\t./app\n\t./hello\n)\n",
  "hello/go.mod": "module example.com/proj/hello\n\ngo 1.21\n\nrequire example.com/fixture/legacy v2.0.0+incompatible\n",
  "hello/hello.go": 'package hello\n\nimport "example.com/fixture/legacy"\n\nfunc Legacy() string { return legacy.Version() }\n',
  "app/go.mod": `module example.com/proj/app

go 1.21

require (
	example.com/fixture/app-lib v1.0.0
	example.com/proj/hello v0.0.0
)

replace example.com/proj/hello => ../hello
`,
  "app/main.go": `package main

import (
	"fmt"

	applib "example.com/fixture/app-lib"
	"example.com/proj/hello"
)

func main() {
	fmt.Println(applib.Welcome("warm"))
	fmt.Println(hello.Legacy())
}
`,
};

const BUILD_MODULES = [
  "example.com/fixture/app-lib@v1.0.0",
  "example.com/fixture/legacy@v2.0.0+incompatible",
  "example.com/fixture/greet@v1.1.0",
  "example.com/Fixture/MixedCase@v1.0.0",
];

describe("modproxy warm", function () {
  this.timeout(180_000);
  let env: ModproxyOverFixtures;
  let dir: string;
  let project: string;
  let warmEnv: NodeJS.ProcessEnv;
  const sandboxes: GoSandbox[] = [];
  let offline: RunningProxy | undefined;

  before(async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000 });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-warm-"));
    project = path.join(dir, "project");
    for (const [name, text] of Object.entries(PROJECT)) {
      await fs.mkdir(path.dirname(path.join(project, name)), { recursive: true });
      await fs.writeFile(path.join(project, name), text);
    }
    // go.sum as the go command writes it, verified against the fixture database through the proxy.
    const online = await createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: env.sumdb!.vkey });
    sandboxes.push(online);
    await online.runOk(["mod", "tidy"], { cwd: path.join(project, "hello") });
    await online.runOk(["mod", "tidy"], { cwd: path.join(project, "app") });
    warmEnv = {
      MODPROXY_STORAGE: "disk",
      MODPROXY_STORAGE_DIR: path.join(dir, "store"),
      MODPROXY_UPSTREAM: env.upstream.url,
      GOSUMDB: env.sumdb!.vkey,
      GOPRIVATE: "",
      GONOPROXY: "",
      GONOSUMDB: "",
      MODPROXY_SPOOL_DIR: path.join(dir, "spool"),
    };
  });

  after(async function () {
    await offline?.close();
    for (const go of sandboxes) await go.remove();
    await env?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it("stores every version the project's build needs, with its checksum-database record", async function () {
    const r = await runModproxy(["warm", project], warmEnv);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const warmed = [...r.stdout.matchAll(/^warmed (\S+) \(/gm)].map((m) => m[1]);
    assert.deepEqual(warmed.sort(), [...BUILD_MODULES].sort(), r.stdout);
    assert.match(r.stdout, /^warm: 4 module versions in [\d.]+s: 4 warmed, 0 already cached, 0 failed; [\d.]+ KiB fetched$/m);
    const stored = new Set(await listFiles(warmEnv.MODPROXY_STORAGE_DIR!));
    for (const key of BUILD_MODULES) {
      const [module, version] = splitModuleVersion(key);
      const base = `${encodeCase(module)}/@v/${encodeCase(version)}`;
      for (const file of ["info", "mod", "zip"].flatMap((kind) => [`${base}.${kind}`, `${base}.${kind}.meta`])) {
        assert.ok(stored.has(file), `${file} is not stored`);
      }
      assert.ok(stored.has(`sumdb/${env.sumdb!.name}/lookup/${encodeCase(module)}@${encodeCase(version)}`), `no checksum record of ${key}`);
    }
  });

  it("counts stored versions as cached and fails a version a go.sum line disagrees with", async function () {
    const greet = env.tree.hashes.get("example.com/fixture/greet@v1.0.0")!;
    const wrongSum = path.join(dir, "wrong.sum");
    await fs.writeFile(wrongSum, `example.com/fixture/greet v1.1.0 ${greet.zip}\n`);
    const r = await runModproxy(["warm", project, wrongSum], warmEnv);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /3 already cached, 1 failed; 0 B fetched/);
    assert.match(
      r.stdout,
      new RegExp(`^  example\\.com/fixture/greet@v1\\.1\\.0: .*wrong\\.sum:1 says ${greet.zip.replace(/[+/]/g, "\\$&")} but the zip`, "m"),
    );
  });

  it("refuses a path that is no go.mod, go.sum, go.work or project directory with exit code 2", async function () {
    const r = await runModproxy(["warm", path.join(project, "app", "main.go")], warmEnv);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /main\.go: not a go\.mod, go\.sum or go\.work/);
  });

  it("lets a proxy without upstreams serve the project to a verifying go command", async function () {
    offline = await startProxy({
      host: "127.0.0.1",
      port: 0,
      storageDir: warmEnv.MODPROXY_STORAGE_DIR!,
      upstream: "off",
      upstreamTimeoutMs: 5000,
      goSumDb: env.sumdb!.vkey,
    });
    await env.stopUpstream();
    const go = await createGoSandbox(offline.url, { GONOSUMDB: "", GOSUMDB: env.sumdb!.vkey });
    sandboxes.push(go);
    const copy = path.join(dir, "copy");
    await fs.cp(project, copy, { recursive: true });
    const app = path.join(copy, "app");
    await go.runOk(["mod", "download"], { cwd: app });
    await go.runOk(["build", "-o", "app", "."], { cwd: app });
    const { stdout } = await promisify(execFile)(path.join(app, "app"));
    assert.equal(stdout, "!hello warm from greet v1.1.0!\nlegacy v2.0.0+incompatible\n");
    // Without go.sum the go command checks every hash with the checksum database, here only through the proxy.
    const original = await readGoSum(path.join(project, "app", "go.sum"));
    await fs.rm(path.join(app, "go.sum"));
    await go.runOk(["mod", "tidy"], { cwd: app });
    assert.deepEqual(await readGoSum(path.join(app, "go.sum")), original);
    const lookups = await listFiles(path.join(go.goModCache, "cache", "download", "sumdb", env.sumdb!.name, "lookup"));
    assert.equal(lookups.length, BUILD_MODULES.length, `the go command looked up ${lookups.join(", ")}`);
    assertGoSumMatches(env.tree, original, BUILD_MODULES);
  });
});
