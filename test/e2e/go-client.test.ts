import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { listFiles } from "../support/files";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream, readGoSum } from "../support/go-output";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";
import { encodeCase } from "../../proxy-app/src/module-path";
import { splitModuleVersion } from "../support/module-path";
import { assertDownloadedSums, assertGoSumMatches } from "../support/sum-checks";

// The real go command, with nothing but modproxy as its GOPROXY, first while
// the fixture upstream is up and then again, with an empty module cache,
// after the upstream is gone: the second time everything must come from
// modproxy's disk cache, with the same hashes.

const GREET = "example.com/fixture/greet";

const MAIN_PROGRAM = `package main

import (
	"fmt"

	applib "example.com/fixture/app-lib"
	"example.com/fixture/legacy"
)

func main() {
	fmt.Println(applib.Welcome("e2e"))
	fmt.Println(legacy.Version())
}
`;

// What the program prints: app-lib requires greet v1.1.0, so that is the one built in.
const MAIN_PROGRAM_OUTPUT = "!hello e2e from greet v1.1.0!\nlegacy v2.0.0+incompatible\n";

// Modules the program's build needs, directly or through app-lib's go.mod.
const BUILD_MODULES = [
  "example.com/fixture/app-lib@v1.0.0",
  "example.com/fixture/legacy@v2.0.0+incompatible",
  `${GREET}@v1.1.0`,
  "example.com/Fixture/MixedCase@v1.0.0",
];

async function newMainModule(go: GoSandbox, modulePath: string): Promise<string> {
  const dir = await go.newWorkDir();
  await go.runOk(["mod", "init", modulePath], { cwd: dir });
  return dir;
}

/** The go commands a developer would run; each phase runs all of them. */
function defineGoCommandTests(context: () => { env: ModproxyOverFixtures; go: GoSandbox }): void {
  it("go mod download -json fetches every fixture version with the fixture's hashes", async function () {
    const { env, go } = context();
    const result = await go.runOk(["mod", "download", "-json", ...env.tree.allVersions]);
    assertDownloadedSums(env.tree, parseJsonStream<DownloadedModule>(result.stdout), env.tree.allVersions);
  });

  it("go list -m -versions lists every release and prerelease", async function () {
    const { env, go } = context();
    const dir = await newMainModule(go, "example.com/e2e/lister");
    const result = await go.runOk(["list", "-m", "-versions", GREET], { cwd: dir });
    const greet = env.tree.modules.find((m) => m.path === GREET);
    assert.ok(greet);
    assert.equal(result.stdout.trim(), [GREET, ...greet.versions.map((v) => v.version)].join(" "));
  });

  it("go get @latest picks the highest release, not the prerelease", async function () {
    const { env, go } = context();
    const dir = await newMainModule(go, "example.com/e2e/getter");
    await go.runOk(["get", `${GREET}@latest`], { cwd: dir });
    const listed = await go.runOk(["list", "-m", GREET], { cwd: dir });
    assert.equal(listed.stdout.trim(), `${GREET} v1.2.0`);
    assertGoSumMatches(env.tree, await readGoSum(path.join(dir, "go.sum")), [`${GREET}@v1.2.0`]);
  });

  it("go build of a program using app-lib, MixedCase and a +incompatible module works and records the fixture hashes", async function () {
    const { env, go } = context();
    const dir = await newMainModule(go, "example.com/e2e/app");
    await fs.writeFile(path.join(dir, "main.go"), MAIN_PROGRAM);
    await go.runOk(["get", "example.com/fixture/app-lib@v1.0.0", "example.com/fixture/legacy@v2.0.0+incompatible"], { cwd: dir });
    const binary = path.join(dir, "app");
    await go.runOk(["build", "-o", binary, "."], { cwd: dir });
    const { stdout } = await promisify(execFile)(binary);
    assert.equal(stdout, MAIN_PROGRAM_OUTPUT);
    assertGoSumMatches(env.tree, await readGoSum(path.join(dir, "go.sum")), BUILD_MODULES);
  });
}

describe("the go command through modproxy", function () {
  this.timeout(180_000);
  let env: ModproxyOverFixtures;
  let go: GoSandbox;
  const context = () => ({ env, go });

  before(async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000 });
  });

  after(async function () {
    await go?.remove();
    await env?.stop();
  });

  describe("with the fixture upstream up", function () {
    before(async function () {
      go = await createGoSandbox(env.proxy.url);
    });

    defineGoCommandTests(context);

    it("leaves every downloaded version in the storage directory", async function () {
      const stored = await listFiles(env.storageDir);
      for (const key of env.tree.allVersions) {
        const [modulePath, version] = splitModuleVersion(key);
        const encodedPath = encodeCase(modulePath);
        const encodedVersion = encodeCase(version);
        assert.ok(
          stored.some((file) => file.includes(encodedPath) && file.includes(encodedVersion)),
          `nothing stored for ${key}; storage holds:\n${stored.join("\n")}`,
        );
      }
    });

    it("gives go's normal not-found error for a module that does not exist", async function () {
      const result = await go.run(["mod", "download", "example.com/fixture/nope@v1.0.0"]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /404 Not Found|not found/);
    });
  });

  describe("after the fixture upstream has stopped, with an empty module cache", function () {
    before(async function () {
      await env.stopUpstream();
      await go.remove();
      go = await createGoSandbox(env.proxy.url);
    });

    defineGoCommandTests(context);
  });
});
