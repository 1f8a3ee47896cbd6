import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../../policies/rules";

describe("README policy checks section", () => {
  it("documents every rule with its kind, description and default enforcement level", () => {
    const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Policy checks"));
    const rows = new Map(
      [...section.matchAll(/^\| `([^`]+)` \| (\w+) \| (.+?) \| (\w+) \| .* \|$/gm)].map(([, name, kind, description, level]) => [
        name,
        { kind, description, level },
      ]),
    );
    const documented = allPolicies.map((p) => [p.name, rows.get(p.name)]);
    const expected = allPolicies.map((p) => [
      p.name,
      { kind: "validateStack" in p ? "stack" : "resource", description: p.description, level: p.enforcementLevel },
    ]);
    assert.deepEqual(documented, expected);
  });

  it("gives pipelines the pack and each stack's pack config as the engine test passes them", () => {
    const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### With credentials: the real engine"));
    const previews = [...section.matchAll(/pulumi preview --stack (\w+)(.*)$/gm)];
    assert.ok(previews.length >= 3, "the command, and the GitHub Actions and GitLab CI snippets");
    for (const [line, stack, flags] of previews) {
      assert.match(flags, new RegExp(`--policy-pack policies --policy-pack-config policies/config/${stack}\\.json$`), line);
      assert.ok(fs.existsSync(path.join(__dirname, "../../policies/config", `${stack}.json`)), line);
    }
  });
});
