import assert from "node:assert/strict";
import { compareVersions, isCanonicalModuleVersion, isPseudoVersion, isValidVersion, latestVersion } from "../../proxy-app/src/semver";

describe("Go semver", () => {
  it("tells valid from invalid versions", () => {
    for (const v of ["v1", "v1.2", "v1.2.3", "v1.2.3-rc.1", "v1.2.3+meta", "v0.0.0-20200101000000-abcdefabcdef"]) assert.ok(isValidVersion(v), v);
    for (const v of ["1.2.3", "v01.2.3", "v1.02.3", "v1.2.3-", "v1.2.3-01", "v1.2.3+", "v1.2.3.4", "V1.2.3", ""]) assert.ok(!isValidVersion(v), v);
  });

  it("knows which versions a proxy serves .mod and .zip for", () => {
    for (const v of ["v1.2.3", "v1.2.3-rc.1", "v2.0.0+incompatible"]) assert.ok(isCanonicalModuleVersion(v), v);
    for (const v of ["v1", "v1.2", "v1.2.3+meta", "v1.0.0+incompatible", "v0.1.0+incompatible"]) assert.ok(!isCanonicalModuleVersion(v), v);
  });

  it("orders by semver precedence", () => {
    const sorted = ["v1.10.0", "v1.2.0", "v1.2.0-rc.1", "v1.2.0-beta.11", "v1.2.0-beta.2", "v1.2.0-alpha", "v0.9.9", "v2.0.0+incompatible"].sort(
      compareVersions,
    );
    assert.deepEqual(sorted, ["v0.9.9", "v1.2.0-alpha", "v1.2.0-beta.2", "v1.2.0-beta.11", "v1.2.0-rc.1", "v1.2.0", "v1.10.0", "v2.0.0+incompatible"]);
    assert.equal(compareVersions("v1.2.3+a", "v1.2.3"), 0);
    assert.equal(compareVersions("v10.0.0", "v9.0.0"), 1);
  });

  it("picks latest like the go command: highest release, else highest prerelease", () => {
    assert.equal(latestVersion(["v1.0.0", "v1.3.0-rc.1", "v1.2.0"]), "v1.2.0");
    assert.equal(latestVersion(["v1.3.0-rc.1", "v1.3.0-beta"]), "v1.3.0-rc.1");
    assert.equal(latestVersion([]), undefined);
  });

  it("recognises the three pseudo-version forms", () => {
    for (const v of ["v0.0.0-20191109021931-daa7c04131f5", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3-pre.0.20191109021931-daa7c04131f5"])
      assert.ok(isPseudoVersion(v), v);
    for (const v of ["v1.2.3", "v1.2.3-rc.1", "v1.2.3-20191109021931"]) assert.ok(!isPseudoVersion(v), v);
  });
});
