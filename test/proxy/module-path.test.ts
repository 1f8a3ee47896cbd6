import assert from "node:assert/strict";
import { checkModulePath, checkVersionSyntax, decodeCase, encodeCase, InvalidPathError, MAX_ELEMENT_LENGTH } from "../../proxy-app/src/module-path";
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

describe("module path validation", () => {
  for (const good of ["example.com/a", "example.com/Foo/bar_baz~x", "golang.org/x/mod", "example.com/a/v2"]) {
    it(`accepts ${good}`, () => checkModulePath(good));
  }
  const bad: Record<string, string> = {
    "no dot in first element": "example/foo",
    "upper case in first element": "Example.com/foo",
    "dot-dot element": "example.com/../etc",
    "dot element": "example.com/./x",
    "leading slash": "/example.com/x",
    "trailing slash": "example.com/x/",
    "double slash": "example.com//x",
    "element starting with a dot": "example.com/.git",
    backslash: "example.com/a\\b",
    "percent sign": "example.com/a%2e",
    "leading dash in domain": "-example.com/x",
    "over-long element": "example.com/" + "a".repeat(MAX_ELEMENT_LENGTH + 1),
    "over-long path": "example.com" + "/abcdefgh".repeat(120),
  };
  for (const [why, path] of Object.entries(bad)) {
    it(`rejects a path with ${why}`, () => assert.throws(() => checkModulePath(path), InvalidPathError));
  }
});

describe("version syntax", () => {
  it("accepts versions and queries", () => {
    for (const v of ["v1.2.3", "v2.0.0+incompatible", "master", "v0.0.0-20200101000000-abcdefabcdef"]) checkVersionSyntax(v);
  });
  it("rejects separators, traversal and empties", () => {
    for (const v of ["", "../x", "a/b", "-v1", "v1..2", "v1 2"]) assert.throws(() => checkVersionSyntax(v), InvalidPathError, v);
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
  it("returns undefined for paths of no protocol shape and throws for malformed files", () => {
    assert.equal(parseModuleRequest("/favicon.ico"), undefined);
    assert.throws(() => parseModuleRequest("/example.com/foo/@v/v1.0.0.tar"), InvalidPathError);
    assert.throws(() => parseModuleRequest("/example.com/Foo/@v/list"), InvalidPathError);
  });
});
