import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../../infra/config";
import { REPO_ROOT } from "../../infra/synth";

/** The keys parseConfig reads (it reads every one on every parse), recorded from an empty stack's. */
function knownKeys(): string[] {
  const read = new Set<string>();
  const values = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get: (_target, key) => {
        read.add(String(key));
        return undefined;
      },
    },
  );
  assert.throws(() => parseConfig({ values, secretKeys: [] }), /is required/);
  return [...read].sort();
}

function deploySection(): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Deploying to AWS with Pulumi");
  assert.ok(start >= 0, "README.md has a deploy section");
  return readme.slice(start, readme.indexOf("\n## ", start));
}

describe("README deploy guide", () => {
  it("gives every config key a row of its own in the key table", () => {
    const tableKeys = [...deploySection().matchAll(/^\| `([\w-]+:\w+)` \|/gm)].map((match) => match[1]);
    assert.deepStrictEqual(tableKeys.sort(), knownKeys());
  });

  it("shows `pulumi config set` for every config key in the deploy block", () => {
    const block = /```sh\n([\s\S]*?)```/.exec(deploySection())?.[1] ?? "";
    const setKeys = [...block.matchAll(/^(?:# )?pulumi config set (?:--secret )?([\w-]+:\w+) /gm)].map((match) => match[1]);
    assert.deepStrictEqual(setKeys.sort(), knownKeys());
  });
});
