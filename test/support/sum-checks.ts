import * as assert from "node:assert/strict";
import { DownloadedModule } from "./go-output";
import { GoproxyTree } from "./goproxy-tree";
import { splitModuleVersion } from "./module-path";

// Checks of what go recorded against the hashes computed from the fixtures.

/** Every `go mod download -json` object has no error and the fixture's Sum and GoModSum. */
export function assertDownloadedSums(tree: GoproxyTree, downloaded: DownloadedModule[], expected: string[]): void {
  assert.deepEqual(downloaded.map((m) => `${m.Path}@${m.Version}`).sort(), [...expected].sort());
  for (const module of downloaded) {
    const key = `${module.Path}@${module.Version}`;
    assert.equal(module.Error, undefined, `${key}: ${module.Error}`);
    const hashes = tree.hashes.get(key);
    assert.ok(hashes, `${key} is not a fixture version`);
    assert.equal(module.Sum, hashes.zip, `${key} zip hash`);
    assert.equal(module.GoModSum, hashes.goMod, `${key} go.mod hash`);
  }
}

/** Every go.sum line is one the fixtures predict, and every module in `required` has both of its lines. */
export function assertGoSumMatches(tree: GoproxyTree, goSum: string[], required: string[]): void {
  const expected = new Set(tree.allVersions.flatMap((key) => tree.goSumLines(...splitModuleVersion(key))));
  for (const line of goSum) assert.ok(expected.has(line), `go.sum line not predicted by the fixtures: ${line}`);
  for (const key of required) {
    for (const line of tree.goSumLines(...splitModuleVersion(key))) {
      assert.ok(goSum.includes(line), `go.sum lacks ${line}\ngo.sum:\n${goSum.join("\n")}`);
    }
  }
}
