import * as assert from "node:assert/strict";
import * as path from "node:path";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream, readGoSum } from "../support/go-output";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { splitModuleVersion } from "../support/module-path";
import { assertDownloadedSums, assertGoSumMatches } from "../support/sum-checks";
import { startStaticServer, StaticServer } from "../support/static-server";
import { SumdbRecord, startTestSumdb, sumdbRecordsFor, TestSumdb } from "../support/sumdb";
import { encodeCase } from "../../proxy-app/src/module-path";

// The fixture checksum database, checked by the real go command talking to
// it directly (GOSUMDB="<vkey> <url>" makes go bypass GOPROXY for it): it
// vouches for the fixture hashes, and go refuses a module it holds a
// different hash for.

const GREET_V1 = "example.com/fixture/greet@v1.0.0";
const APP_LIB = "example.com/fixture/app-lib@v1.0.0";

describe("fixture checksum database, asked by the go command directly", function () {
  let tree: GoproxyTree;
  let upstream: StaticServer;
  let sumdb: TestSumdb | undefined;
  let go: GoSandbox | undefined;

  before(async function () {
    tree = await buildGoproxyTree();
    upstream = await startStaticServer(tree.dir);
  });

  after(async function () {
    await upstream?.close();
    await tree?.remove();
  });

  afterEach(async function () {
    await go?.remove();
    await sumdb?.close();
    go = sumdb = undefined;
  });

  /** A sandbox whose go verifies every module, fixtures included, against the database. */
  async function verifyingGo(records: SumdbRecord[]): Promise<{ go: GoSandbox; sumdb: TestSumdb }> {
    sumdb = await startTestSumdb(records);
    go = await createGoSandbox(upstream.url, { GONOSUMDB: "", GOSUMDB: sumdb.gosumdb });
    return { go, sumdb };
  }

  it("vouches for every fixture version: go downloads them all, and go get records the fixture's go.sum lines", async function () {
    const { go, sumdb } = await verifyingGo(sumdbRecordsFor(tree));
    const result = await go.runOk(["mod", "download", "-json", ...tree.allVersions]);
    assertDownloadedSums(tree, parseJsonStream<DownloadedModule>(result.stdout), tree.allVersions);

    // go mod download leaves go.sum alone; go get writes it, once the database agrees.
    const dir = await go.newWorkDir();
    await go.runOk(["mod", "init", "example.com/e2e/sumdb"], { cwd: dir });
    await go.runOk(["get", APP_LIB], { cwd: dir });
    assertGoSumMatches(tree, await readGoSum(path.join(dir, "go.sum")), [APP_LIB, "example.com/fixture/greet@v1.1.0"]);

    // Without the lookups, go might have skipped verification and the above would prove nothing.
    // go bypasses GOPROXY for a database GOSUMDB gives a URL for.
    assert.deepEqual(
      upstream.requests.filter((r) => r.path.startsWith("/sumdb/")),
      [],
    );
    for (const key of tree.allVersions) {
      const [modulePath, version] = splitModuleVersion(key);
      const lookup = `/lookup/${encodeCase(modulePath)}@${encodeCase(version)}`;
      assert.ok(sumdb.requests.includes(lookup), `go looked up ${key}; it asked:\n${sumdb.requests.join("\n")}`);
    }
  });

  it("makes go refuse a module whose hash differs from the database's, and only that one", async function () {
    const [tamperedModule, tamperedVersion] = splitModuleVersion(GREET_V1);
    const otherZipHash = tree.hashes.get("example.com/fixture/greet@v1.1.0")!.zip;
    const records = sumdbRecordsFor(tree).map((record): SumdbRecord =>
      record.module === tamperedModule && record.version === tamperedVersion
        ? { ...record, goSumLines: [`${tamperedModule} ${tamperedVersion} ${otherZipHash}`, record.goSumLines[1]] }
        : record,
    );
    const { go, sumdb } = await verifyingGo(records);

    const refused = await go.run(["mod", "download", GREET_V1]);
    assert.notEqual(refused.code, 0, `go accepted ${GREET_V1}:\n${refused.stderr}`);
    assert.match(refused.stderr, /example\.com\/fixture\/greet@v1\.0\.0: verifying module: checksum mismatch/);
    assert.match(refused.stderr, /SECURITY ERROR/);
    assert.ok(refused.stderr.includes(`downloaded: ${tree.hashes.get(GREET_V1)!.zip}`), refused.stderr);
    assert.ok(refused.stderr.includes(`${sumdb.name}: ${otherZipHash}`), refused.stderr);

    await go.runOk(["mod", "download", "example.com/fixture/greet@v1.1.0"]);
  });
});
