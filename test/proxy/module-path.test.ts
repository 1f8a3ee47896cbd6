import assert from "node:assert/strict";
import {
  checkModulePath,
  checkPathMajor,
  checkVersionSyntax,
  decodeCase,
  encodeCase,
  InvalidPathError,
  MAX_ELEMENT_LENGTH,
} from "../../proxy-app/src/module-path";
import { parseModuleRequest } from "../../proxy-app/src/protocol";

describe("module path case-encoding", () => {
  it("encodes upper case as ! plus lower case and decodes it back", () => {
    assert.equal(encodeCase("github.com/Azure/Go-Autorest"), "github.com/!azure/!go-!autorest");
    assert.equal(decodeCase("github.com/!azure/!go-!autorest"), "github.com/Azure/Go-Autorest");
    assert.equal(decodeCase(encodeCase("v1.0.0-RC.1")), "v1.0.0-RC.1");
  });

  for (const bad of ["example.com/Foo", "example.com/!", "example.com/!!x", "example.com/!1", "example.com/!Foo"]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => decodeCase(bad), InvalidPathError));
  }
});

/** Asserts that fn throws an InvalidPathError whose message matches. */
function assertRefused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidPathError, `not an InvalidPathError: ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe("module path validation", () => {
  for (const good of [
    "example.com/a",
    "x.y",
    "example.com/Foo/bar_baz~x",
    "golang.org/x/mod",
    "example.com/-dash/a..b",
    // Tildes are fine unless digits follow the last one, up to the first dot.
    "example.com/z~",
    "example.com/z~09z",
    "example.com/z~1z.go",
    // Close to, but not, Windows device names.
    "example.com/com",
    "example.com/calm1",
    "example.com/prn2",
    "example.com/x.con",
    // Major version suffixes, and look-alikes that are not.
    "example.com/a/v2",
    "example.com/a/v10",
    "example.com/v",
    "example.com/zv2",
    "example.com/v1/x",
    "example.com/a/foo.v2",
    "gopkg.in/yaml.v3",
    "gopkg.in/user/pkg.v1",
    "gopkg.in/yaml.v0",
    "gopkg.in/yaml.v2-unstable",
  ]) {
    it(`accepts ${good}`, () => checkModulePath(good));
  }
  const bad: [path: string, message: RegExp][] = [
    ["", /empty module path/],
    ["example/foo", /first path element "example" has no dot/],
    ["Example.com/foo", /first path element "Example.com" may only hold lower-case/],
    ["exa_mple.com/foo", /first path element "exa_mple.com" may only hold lower-case/],
    ["-example.com/x", /first path element "-example.com" starts with a dash/],
    ["example.com/../etc", /element "\.\." is not allowed/],
    ["example.com/./x", /element "\." is not allowed/],
    ["/example.com/x", /empty element/],
    ["example.com/x/", /empty element/],
    ["example.com//x", /empty element/],
    ["example.com/.git", /element "\.git" starts with a dot/],
    ["example.com/x.", /element "x\." ends with a dot/],
    ["example.com/a\\b", /character outside letters, digits and "-\._~"/],
    ["example.com/a%2e", /character outside/],
    ["example.com/a+b", /character outside/],
    ["example.com/a b", /character outside/],
    ["example.com/a@v1", /character outside/],
    ["example.com/résumé", /character outside/],
    ["example.com/aux", /"aux" is a reserved file name on Windows/],
    ["example.com/con.txt", /element "con\.txt": "con" is a reserved file name on Windows/],
    ["example.com/LPT1", /"LPT1" is a reserved file name on Windows/],
    ["example.com/Nul.tar.gz/x", /"Nul" is a reserved file name on Windows/],
    ["example.com/com9", /"com9" is a reserved file name on Windows/],
    ["example.com/z~1", /element "z~1" ends in "~" and digits/],
    ["example.com/~1", /element "~1" ends in "~" and digits/],
    ["example.com/progra~12.txt", /element "progra~12\.txt" ends in "~" and digits/],
    ["example.com/a~b~0", /ends in "~" and digits/],
    ["example.com/m/v0", /ends in "\/v0": v0 and v1 take no major version suffix/],
    ["example.com/m/v1", /ends in "\/v1": v0 and v1 take no major version suffix/],
    ["example.com/m/v02", /ends in "\/v02": a major version has no leading zero/],
    ["example.com/m/v2.0", /ends in "\/v2\.0": a major version suffix has no dots/],
    ["example.com/m/v1.2", /a major version suffix has no dots/],
    ["gopkg.in/foo", /gopkg\.in module path "gopkg\.in\/foo" must end in a major version \.vN/],
    ["gopkg.in/user/pkg", /must end in a major version \.vN/],
    ["gopkg.in/yaml.v3/sub", /must end in a major version \.vN/],
    ["gopkg.in/yaml.v", /has a malformed major version "\.v"/],
    ["gopkg.in/yaml.v01", /has a malformed major version "\.v01"/],
    ["gopkg.in/yaml.v0-unstable", /has a malformed major version "\.v0-unstable"/],
    ["example.com/" + "a".repeat(MAX_ELEMENT_LENGTH + 1), /element longer than/],
    ["example.com" + "/abcdefgh".repeat(120), /module path longer than/],
  ];
  for (const [path, message] of bad) {
    it(`refuses ${JSON.stringify(path.slice(0, 40))}`, () => assertRefused(() => checkModulePath(path), message));
  }
});

describe("path and version majors", () => {
  const good: [path: string, version: string][] = [
    ["example.com/m", "v0.1.0"],
    ["example.com/m", "v1.2.3"],
    ["example.com/m", "v1.0.0-pre.1"],
    ["example.com/m", "v0.0.0-20200101000000-abcdefabcdef"],
    ["example.com/m", "v2.0.0+incompatible"],
    ["example.com/m", "v17.1.0+incompatible"],
    ["example.com/m/v2", "v2.0.0"],
    ["example.com/m/v2", "v2.1.0-rc.1"],
    ["example.com/m/v10", "v10.0.0"],
    ["gopkg.in/yaml.v3", "v3.0.1"],
    ["gopkg.in/yaml.v0", "v0.8.0"],
    ["gopkg.in/user/pkg.v1", "v1.0.0"],
    ["gopkg.in/yaml.v2-unstable", "v2.0.0"],
    // Old gopkg.in .v1 pseudo-versions that go.mod files still require.
    ["gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405"],
  ];
  for (const [path, version] of good) {
    it(`accepts ${path} at ${version}`, () => checkPathMajor(version, path));
  }
  const bad: [path: string, version: string, message: RegExp][] = [
    ["example.com/m", "v2.0.0", /"example\.com\/m" does not match version "v2\.0\.0": .*takes v0, v1 or \+incompatible; v2 needs \/v2/],
    ["example.com/m", "v3.0.0-20200101000000-abcdefabcdef", /v3 needs \/v3/],
    ["example.com/m", "v1.0.0+incompatible", /\+incompatible is only for v2 and above/],
    ["example.com/m/v2", "v3.0.0", /"example\.com\/m\/v2" does not match version "v3\.0\.0": the path's major version is v2/],
    ["example.com/m/v2", "v1.0.0", /the path's major version is v2/],
    ["example.com/m/v2", "v0.0.0-20200101000000-abcdefabcdef", /the path's major version is v2/],
    ["example.com/m/v2", "v2.0.0+incompatible", /\+incompatible is only for paths without a major version suffix/],
    ["gopkg.in/yaml.v3", "v2.0.0", /the path's major version is v3/],
    ["gopkg.in/yaml.v1", "v0.8.0", /the path's major version is v1/],
    ["gopkg.in/check.v1", "v0.0.0", /the path's major version is v1/],
    ["gopkg.in/yaml.v0", "v1.0.0", /the path's major version is v0/],
    ["gopkg.in/yaml.v2", "v2.0.0+incompatible", /\+incompatible is only for paths without a major version suffix/],
    ["example.com/m", "1.0.0", /"1\.0\.0" is not a semantic version/],
  ];
  for (const [path, version, message] of bad) {
    it(`refuses ${path} at ${version}`, () => assertRefused(() => checkPathMajor(version, path), message));
  }
});

describe("version syntax", () => {
  it("accepts versions and queries", () => {
    for (const v of ["v1.2.3", "v2.0.0+incompatible", "master", "v0.0.0-20200101000000-abcdefabcdef"]) checkVersionSyntax(v);
  });
  it("rejects separators, traversal and empties", () => {
    for (const v of ["", "../x", "a/b", "-v1", "v1..2", "v1 2"]) assert.throws(() => checkVersionSyntax(v), InvalidPathError, v);
  });
  it("rejects what the go command would not escape as a file name", () => {
    assertRefused(() => checkVersionSyntax("v1."), /version "v1\." ends with a dot/);
    assertRefused(() => checkVersionSyntax("con"), /"con" is a reserved file name on Windows/);
    assertRefused(() => checkVersionSyntax("Aux.1"), /"Aux" is a reserved file name on Windows/);
  });
});

describe("protocol path parsing", () => {
  it("parses every request kind and keeps keys in encoded form", () => {
    assert.deepEqual(parseModuleRequest("/example.com/!foo/@v/list"), { kind: "list", module: "example.com/Foo", encodedModule: "example.com/!foo" });
    assert.deepEqual(parseModuleRequest("/example.com/foo/@latest"), { kind: "latest", module: "example.com/foo", encodedModule: "example.com/foo" });
    assert.deepEqual(parseModuleRequest("/example.com/foo/@v/v1.0.0-!r!c.zip"), {
      kind: "zip",
      module: "example.com/foo",
      encodedModule: "example.com/foo",
      version: "v1.0.0-RC",
      encodedVersion: "v1.0.0-!r!c",
    });
    assert.equal(parseModuleRequest("/example.com/foo/@v/v2.0.0+incompatible.mod")?.kind, "mod");
  });
  it("lets .info resolve queries but requires canonical versions for .mod and .zip", () => {
    assert.equal(parseModuleRequest("/example.com/foo/@v/main.info")?.kind, "info");
    for (const p of [
      "/example.com/foo/@v/v1.mod",
      "/example.com/foo/@v/v1.2.zip",
      "/example.com/foo/@v/v1.0.0+build.zip",
      "/example.com/foo/@v/v1.0.0+incompatible.zip",
    ]) {
      assert.throws(() => parseModuleRequest(p), InvalidPathError, p);
    }
  });
  it("checks a canonical version against the path's major version, and leaves .info queries to the upstream", () => {
    assert.equal(parseModuleRequest("/example.com/m/v2/@v/v2.0.0.mod")?.kind, "mod");
    assert.equal(parseModuleRequest("/example.com/m/@v/v2.0.0+incompatible.info")?.kind, "info");
    assert.equal(parseModuleRequest("/gopkg.in/yaml.v3/@v/v3.0.1.zip")?.kind, "zip");
    assert.equal(parseModuleRequest("/example.com/m/v2/@v/master.info")?.kind, "info");
    assert.equal(parseModuleRequest("/example.com/m/v2/@v/v3.info")?.kind, "info");
    for (const [p, message] of [
      ["/example.com/m/v2/@v/v3.0.0.mod", /the path's major version is v2/],
      ["/example.com/m/v2/@v/v3.0.0.info", /the path's major version is v2/],
      ["/example.com/m/@v/v2.0.0.zip", /v2 needs \/v2/],
      ["/example.com/m/v2/@v/v2.0.0+incompatible.info", /\+incompatible is only for paths without/],
      ["/gopkg.in/yaml.v3/@v/v2.0.0.mod", /the path's major version is v3/],
      ["/example.com/m/@v/v1..info", /ends with a dot/],
      ["/example.com/m/@v/nul.info", /reserved file name on Windows/],
    ] as const) {
      assertRefused(() => parseModuleRequest(p), message);
    }
  });
  it("refuses paths the go command refuses, for every request kind", () => {
    for (const [p, message] of [
      ["/example.com/aux/@v/list", /"aux" is a reserved file name on Windows/],
      ["/example.com/m~1/@latest", /ends in "~" and digits/],
      ["/example.com/m/v1/@v/v1.0.0.info", /v0 and v1 take no major version suffix/],
      ["/gopkg.in/foo/@v/list", /must end in a major version \.vN/],
    ] as const) {
      assertRefused(() => parseModuleRequest(p), message);
    }
  });
  it("returns undefined for paths of no protocol shape and throws for malformed files", () => {
    assert.equal(parseModuleRequest("/favicon.ico"), undefined);
    assert.throws(() => parseModuleRequest("/example.com/foo/@v/v1.0.0.tar"), InvalidPathError);
    assert.throws(() => parseModuleRequest("/example.com/Foo/@v/list"), InvalidPathError);
  });
});
