import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../../policies/rules";

describe("README policy checks section", () => {
  it("documents every rule with its default enforcement level", () => {
    const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Policy checks"));
    const undocumented = allPolicies.filter((p) => !new RegExp(`^\\| \`${p.name}\` \\|.*\\| ${p.enforcementLevel} \\|`, "m").test(section));
    assert.deepEqual(
      undocumented.map((p) => p.name),
      [],
    );
  });
});
