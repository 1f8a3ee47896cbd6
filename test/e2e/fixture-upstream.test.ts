import * as assert from "node:assert/strict";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { startStaticServer, StaticServer } from "../support/static-server";
import { assertDownloadedSums } from "../support/sum-checks";

// The end-to-end tests judge the proxy by comparing go's hashes with the ones
// the tree builder computes. This proves the builder's tree and hashes agree
// with the go command itself, with no proxy in between.
describe("fixture GOPROXY tree, served directly to go", function () {
  let tree: GoproxyTree;
  let upstream: StaticServer;
  let go: GoSandbox;

  before(async function () {
    tree = await buildGoproxyTree();
    upstream = await startStaticServer(tree.dir);
    go = await createGoSandbox(upstream.url);
  });

  after(async function () {
    await go?.remove();
    await upstream?.close();
    await tree?.remove();
  });

  it("contains the kinds of module the end-to-end tests need", function () {
    const paths = tree.modules.map((m) => m.path);
    assert.ok(
      paths.some((p) => /[A-Z]/.test(p)),
      "a mixed-case module path",
    );
    assert.ok(
      tree.allVersions.some((v) => v.endsWith("+incompatible")),
      "a +incompatible version",
    );
    assert.ok(
      tree.modules.some((m) => m.versions.length >= 4),
      "a module with several versions",
    );
  });

  it("gives go mod download the hashes computed from the fixtures", async function () {
    const result = await go.runOk(["mod", "download", "-json", ...tree.allVersions]);
    assertDownloadedSums(tree, parseJsonStream<DownloadedModule>(result.stdout), tree.allVersions);
  });

  it("serves the synthesized go.mod for a version without one", async function () {
    const response = await fetch(`${upstream.url}/example.com/fixture/legacy/@v/v2.0.0+incompatible.mod`);
    assert.equal(await response.text(), "module example.com/fixture/legacy\n");
  });

  it("serves mixed-case paths only case-encoded", async function () {
    assert.equal((await fetch(`${upstream.url}/example.com/!fixture/!mixed!case/@v/list`)).status, 200);
    assert.equal((await fetch(`${upstream.url}/example.com/Fixture/MixedCase/@v/list`)).status, 404);
  });
});
