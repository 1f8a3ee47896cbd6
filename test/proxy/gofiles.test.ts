import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GoFileError, parseGoMod, parseGoSum, parseGoWork, replacementOf } from "../../proxy-app/src/gofiles";
import { readWarmTargets } from "../../proxy-app/src/warm";

describe("go.mod, go.sum and go.work reading", () => {
  describe("go.sum", () => {
    const cases: { name: string; text: string; want: [string, string, boolean, string][] }[] = [
      {
        name: "zip and go.mod lines",
        text: "example.com/a v1.0.0 h1:zip=\nexample.com/a v1.0.0/go.mod h1:mod=\n",
        want: [
          ["example.com/a", "v1.0.0", false, "h1:zip="],
          ["example.com/a", "v1.0.0", true, "h1:mod="],
        ],
      },
      {
        name: "blank lines, spaces and CRLF",
        text: "\n  example.com/b v2.0.0+incompatible/go.mod  h1:x= \r\n\n",
        want: [["example.com/b", "v2.0.0+incompatible", true, "h1:x="]],
      },
      { name: "nothing", text: "", want: [] },
    ];
    for (const c of cases) {
      it(`reads ${c.name}`, () => {
        const got = parseGoSum(c.text, "go.sum").map((l) => [l.module, l.version, l.goModOnly, l.hash]);
        assert.deepEqual(got, c.want);
      });
    }

    it("names the file and line of a malformed line", () => {
      assert.throws(
        () => parseGoSum("example.com/a v1.0.0 h1:x=\nexample.com/a v1.0.0\n", "dir/go.sum"),
        (err) => err instanceof GoFileError && /^dir\/go\.sum:2: malformed line/.test(err.message),
      );
      assert.throws(() => parseGoSum("example.com/a v1.0.0 sha256:x\n", "go.sum"), /go\.sum:1: "sha256:x" is not a go\.sum hash/);
      assert.equal(parseGoSum("\nexample.com/a v1.0.0 h1:x=\n", "go.sum")[0].at, "go.sum:2");
    });
  });

  describe("go.mod", () => {
    const cases: { name: string; text: string; require: string[]; replace?: string[]; module?: string }[] = [
      {
        name: "single-line and block requires, with comments and other directives",
        text: `// The app.
module example.com/app // main module

go 1.22
toolchain go1.22.1

require example.com/one v1.0.0
require (
	example.com/two v1.2.3 // indirect
	// a comment line inside the block
	"example.com/quoted" v0.1.0

	example.com/Three/v2 v2.0.0-pre.1
)
require ()
exclude example.com/one v0.9.0
retract [v0.0.1, v0.0.3]
godebug default=go1.21
`,
        module: "example.com/app",
        require: ["example.com/one@v1.0.0", "example.com/two@v1.2.3", "example.com/quoted@v0.1.0", "example.com/Three/v2@v2.0.0-pre.1"],
      },
      {
        name: "replace directives in both forms",
        text: `module m
require example.com/a v1.0.0
replace example.com/a => ../a
replace (
	example.com/b v1.1.0 => example.com/fork/b v1.1.1
	example.com/c=>example.com/fork/c v0.2.0
	"example.com/d" => "./local dir"
)
`,
        module: "m",
        require: ["example.com/a@v1.0.0"],
        replace: [
          "example.com/a => ../a",
          "example.com/b@v1.1.0 => example.com/fork/b@v1.1.1",
          "example.com/c => example.com/fork/c@v0.2.0",
          "example.com/d => ./local dir",
        ],
      },
      { name: "no directives", text: "// nothing yet\n", require: [] },
    ];
    for (const c of cases) {
      it(`reads ${c.name}`, () => {
        const mod = parseGoMod(c.text, "go.mod");
        assert.equal(mod.module, c.module);
        assert.deepEqual(
          mod.require.map((r) => `${r.module}@${r.version}`),
          c.require,
        );
        assert.deepEqual(
          mod.replace.map((r) => `${r.from}${r.fromVersion ? `@${r.fromVersion}` : ""} => ${r.to}${r.toVersion ? `@${r.toVersion}` : ""}`),
          c.replace ?? [],
        );
      });
    }

    it("keeps where each requirement was named", () => {
      const mod = parseGoMod("module m\n\nrequire (\n\texample.com/a v1.0.0\n)\n", "app/go.mod");
      assert.equal(mod.require[0].at, "app/go.mod:4");
    });

    const bad: [string, RegExp][] = [
      ["require example.com/a\n", /go\.mod:1: usage: require/],
      ["require (\n\texample.com/a v1.0.0\n", /the require block is not closed/],
      ['require "example.com/a v1.0.0\n', /go\.mod:1: unterminated quoted string/],
      ["replace example.com/a v1.0.0\n", /go\.mod:1: usage: replace/],
      ["module a b\n", /go\.mod:1: usage: module/],
    ];
    for (const [text, want] of bad) {
      it(`refuses ${JSON.stringify(text)}`, () =>
        assert.throws(
          () => parseGoMod(text, "go.mod"),
          (err) => err instanceof GoFileError && want.test(err.message),
        ));
    }
  });

  describe("go.work", () => {
    it("reads use directories in both forms and replacements", () => {
      const work = parseGoWork('go 1.22\n\nuse ./app\nuse (\n\t./lib // the library\n\t"./with space"\n)\nreplace example.com/a => ./a\n', "go.work");
      assert.deepEqual(work.use, ["./app", "./lib", "./with space"]);
      assert.deepEqual(
        work.replace.map((r) => [r.from, r.to, r.toVersion]),
        [["example.com/a", "./a", undefined]],
      );
    });

    it("refuses a use directive without a directory", () => {
      assert.throws(() => parseGoWork("use\n", "go.work"), /go\.work:1: usage: use/);
    });
  });

  it("picks the replacement naming the version over the one for every version", () => {
    const { replace } = parseGoMod("replace example.com/a => ../a\nreplace example.com/a v1.2.0 => example.com/b v1.2.1\n", "go.mod");
    assert.equal(replacementOf(replace, "example.com/a", "v1.2.0")?.to, "example.com/b");
    assert.equal(replacementOf(replace, "example.com/a", "v1.3.0")?.to, "../a");
    assert.equal(replacementOf(replace, "example.com/z", "v1.0.0"), undefined);
  });
});

describe("the versions modproxy warm takes from its paths", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-warm-inputs-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function write(files: Record<string, string>): Promise<void> {
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text);
    }
  }

  const summary = async (inputs: string[]) =>
    (await readWarmTargets(inputs.map((i) => path.join(dir, i)))).map((t) => `${t.module}@${t.version}${t.zip ? "" : " (mod)"} ${t.sums.length}`).sort();

  it("reads a directory's go.mod and go.sum, following replacements and merging what both name", async () => {
    await write({
      "m/go.mod":
        "module example.com/m\nrequire (\n\texample.com/a v1.0.0\n\texample.com/b v1.1.0\n\texample.com/c v0.1.0\n)\nreplace example.com/b => example.com/fork/b v1.1.1\nreplace example.com/c => ../c\n",
      "m/go.sum": "example.com/a v1.0.0 h1:a=\nexample.com/a v1.0.0/go.mod h1:am=\nexample.com/old v0.9.0/go.mod h1:o=\n",
    });
    assert.deepEqual(await summary(["m"]), ["example.com/a@v1.0.0 2", "example.com/fork/b@v1.1.1 0", "example.com/old@v0.9.0 (mod) 1"]);
  });

  it("reads a directory's go.work before its go.mod, skipping the workspace's own modules", async () => {
    await write({
      "go.work": "go 1.22\nuse ./app\nuse ./lib\n",
      "go.mod": "module example.com/ignored\nrequire example.com/never v1.0.0\n",
      "go.work.sum": "example.com/w v1.0.0/go.mod h1:w=\n",
      "app/go.mod": "module example.com/app\nrequire (\n\texample.com/lib v0.0.0\n\texample.com/a v1.0.0\n)\n",
      "lib/go.mod": "module example.com/lib\nrequire example.com/a v1.2.0\n",
      "lib/go.sum": "example.com/a v1.2.0 h1:a12=\n",
    });
    assert.deepEqual(await summary(["."]), ["example.com/a@v1.0.0 0", "example.com/a@v1.2.0 1", "example.com/w@v1.0.0 (mod) 1"]);
  });

  it("refuses what it cannot read, naming the file and line", async () => {
    await write({ "go.sum": "example.com/a v1 h1:x=\n", "empty/README": "", "go.work": "use ./missing\n" });
    await assert.rejects(summary(["go.sum"]), /go\.sum:1: example\.com\/a@v1: not a canonical module version/);
    await assert.rejects(summary(["empty"]), /empty: holds neither go\.work nor go\.mod/);
    await assert.rejects(summary(["go.work"]), /missing\/go\.mod: no such file/);
    await assert.rejects(summary(["nowhere"]), /nowhere: no such file or directory/);
  });
});
