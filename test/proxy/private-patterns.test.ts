import * as assert from "node:assert/strict";
import { ModulePatterns, PatternError } from "../../proxy-app/src/private-patterns";
import { loadConfig } from "../../proxy-app/src/config";
import { rawRequest } from "../support/raw-http";
import { startModproxyOverFixtures, ModproxyOverFixtures } from "../support/modproxy-under-test";

describe("GOPRIVATE-style module patterns", () => {
  const cases: [string, string, boolean][] = [
    ["example.com/private", "example.com/private", true],
    ["example.com/private", "example.com/private/tool/v2", true],
    ["example.com/private", "example.com/privateer", false],
    ["example.com/private", "example.com", false],
    ["*.corp.example.com", "git.corp.example.com/team/repo", true],
    ["*.corp.example.com", "corp.example.com/team/repo", false],
    ["example.com/*/internal", "example.com/team/internal/x", true],
    ["example.com/*/internal", "example.com/team/public/x", false],
    ["example.com/team?", "example.com/team1/x", true],
    ["example.com/team[0-9]", "example.com/teamx/x", false],
    ["example.com/team[^0-9]", "example.com/teamx/x", true],
    ["example.com/a\\*b", "example.com/a*b/x", true],
    ["example.com/a\\*b", "example.com/axxb/x", false],
    ["example.com/private/", "example.com/private/x", true],
    ["none", "example.com/anything", false],
    ["", "example.com/anything", false],
    [" example.com/a , example.com/b ", "example.com/b/c", true],
  ];
  for (const [patterns, module, expected] of cases) {
    it(`${JSON.stringify(patterns)} ${expected ? "matches" : "does not match"} ${module}`, () => {
      assert.equal(new ModulePatterns(patterns).matches(module), expected);
    });
  }

  it("rejects malformed globs, and config names the variable", () => {
    for (const bad of ["example.com/[abc", "example.com/x\\", "example.com/[]"]) assert.throws(() => new ModulePatterns(bad), PatternError, bad);
    assert.throws(
      () => loadConfig({ MODPROXY_UPSTREAM: "off", GOPRIVATE: "example.com/[abc" }),
      /GOPRIVATE \(--goprivate\) = "example.com\/\[abc": .*unclosed/,
    );
  });
});

// How GONOPROXY modules are fetched instead is in test/e2e/private-modules.test.ts.
describe("modules matching GONOPROXY", function () {
  let env: ModproxyOverFixtures;
  const PRIVATE = "example.com/fixture/app-lib";

  afterEach(async () => env?.stop());

  it("follow GONOPROXY over GOPRIVATE, as the go command does", async function () {
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, config: { goPrivate: PRIVATE, goNoProxy: "none" } });
    assert.equal((await rawRequest(env.proxy.url, `/${PRIVATE}/@v/list`)).status, 200);
  });
});
