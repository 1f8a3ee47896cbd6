import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { buffer as readStream } from "node:stream/consumers";
import { crc32 } from "node:zlib";
import { ZipFile } from "yazl";
import { encodeCase } from "../../proxy-app/src/module-path";
import {
  checkModMatchesZip,
  checkModuleZip,
  goModHash,
  InvalidModuleContentError,
  MAX_GO_MOD,
  MAX_LICENSE,
  MAX_ZIP_FILE,
} from "../../proxy-app/src/verify/module-zip";
import { goModHash as expectedGoModHash, hash1 } from "../support/dirhash";
import { goModOf } from "../support/fixture-modules";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { deflatedEntry, rawZip, RawEntry, zerosDeflated } from "../support/raw-zip";

// Every zip here is also served to the real go command from a file:// GOPROXY,
// in one `go mod download` run: go's hashes are the reference for the zips we
// accept, and go must refuse the zips we refuse (except where we are stricter).

const LAYOUTS = "example.com/zipcheck/layouts";
const BAD = "example.com/zipcheck/bad";
const MIB = 1 << 20;

interface GoodZip {
  title: string;
  version: string;
  zip: (prefix: string) => Promise<Buffer> | Buffer;
  /** The files go hashes (directories as empty), by name without the prefix; omitted where dirhash.ts cannot say. */
  files?: [name: string, content: string][];
}

interface BadZip {
  title: string;
  zip: (prefix: string) => Promise<Buffer> | Buffer;
  message: (prefix: string) => string;
  /** False where this check is stricter than go, which accepts the zip. */
  goRefuses: boolean;
}

function stored(name: string | Buffer, content: string | Buffer): RawEntry {
  return { name, data: Buffer.from(content) };
}

async function yazlZip(build: (zip: ZipFile) => void, forceZip64Format = false): Promise<Buffer> {
  const zip = new ZipFile();
  build(zip);
  zip.end({ forceZip64Format, comment: "" });
  return readStream(zip.outputStream as Readable);
}

const GO_MOD = `module ${LAYOUTS}\n\ngo 1.21\n`;

/** `length` bytes of text that deflate cannot shrink to nothing. */
function largeText(length: number): string {
  let text = "";
  for (let i = 0; text.length < length; i++) text += `${i * 7919}\n`;
  return text.slice(0, length);
}
const LARGE_A = largeText(2 * MIB);
const LARGE_B = largeText(3 * MIB);

// Dotless ı and i, ß and ss: pairs that lower- or upper-casing would merge but Unicode simple folding does not.
const NAMES_GO_ALLOWS = [
  "go.mod",
  "-dash.go",
  "a b/c d.txt",
  "!#$%&()+,=@[]^_{}~.txt",
  "vendor/example.com/x/x.go",
  "PROGRA~1/x.go",
  "console.go",
  "LICENSE",
  "\u0131.txt",
  "i.txt",
  "é/ß.go",
  "é/ss.go",
];

const goodZips: GoodZip[] = [
  {
    title: "stored files and directory entries, the bare prefix included",
    version: "v1.0.0",
    zip: (p) =>
      yazlZip((zip) => {
        zip.addEmptyDirectory(p);
        zip.addEmptyDirectory(`${p}sub`);
        zip.addBuffer(Buffer.from(GO_MOD), `${p}go.mod`, { compress: false });
        zip.addBuffer(Buffer.from("package sub\n"), `${p}sub/a.go`, { compress: false });
      }),
    files: [
      ["", ""],
      ["sub/", ""],
      ["go.mod", GO_MOD],
      ["sub/a.go", "package sub\n"],
    ],
  },
  {
    title: "deflated files with data descriptors",
    version: "v1.1.0",
    zip: (p) =>
      yazlZip((zip) => {
        zip.addReadStream(Readable.from([Buffer.from(GO_MOD)]), `${p}go.mod`);
        zip.addReadStream(Readable.from([Buffer.from("package layouts\n".repeat(5000))]), `${p}big.go`);
        zip.addReadStream(Readable.from([Buffer.alloc(0)]), `${p}empty.txt`);
      }),
    files: [
      ["go.mod", GO_MOD],
      ["big.go", "package layouts\n".repeat(5000)],
      ["empty.txt", ""],
    ],
  },
  {
    title: "ZIP64 end records and extra fields",
    version: "v1.2.0",
    zip: (p) =>
      yazlZip((zip) => {
        zip.addBuffer(Buffer.from(GO_MOD), `${p}go.mod`, { forceZip64Format: true });
        zip.addReadStream(Readable.from([Buffer.from("package layouts\n")]), `${p}a.go`, { forceZip64Format: true });
      }, true),
    files: [
      ["go.mod", GO_MOD],
      ["a.go", "package layouts\n"],
    ],
  },
  {
    title: "every kind of name go allows, vendored files and short names included",
    version: "v1.3.0",
    zip: (p) =>
      yazlZip((zip) => {
        for (const name of NAMES_GO_ALLOWS) zip.addBuffer(Buffer.from(name === "go.mod" ? GO_MOD : name), p + name);
      }),
    files: NAMES_GO_ALLOWS.map((name) => [name, name === "go.mod" ? GO_MOD : name]),
  },
  {
    title: "a data descriptor without its optional signature",
    version: "v1.5.0",
    zip: (p) => {
      const content = Buffer.from(GO_MOD);
      const descriptor = Buffer.alloc(12);
      descriptor.writeUInt32LE(crc32(content), 0);
      descriptor.writeUInt32LE(content.length, 4);
      descriptor.writeUInt32LE(content.length, 8);
      return rawZip([{ ...stored(`${p}go.mod`, content), flags: 0x808, trailer: descriptor }]);
    },
    files: [["go.mod", GO_MOD]],
  },
  {
    title: "files of several MiB, stored and deflated",
    version: "v1.6.0",
    zip: (p) =>
      yazlZip((zip) => {
        zip.addBuffer(Buffer.from(GO_MOD), `${p}go.mod`);
        zip.addBuffer(Buffer.from(LARGE_A), `${p}a.txt`, { compress: false });
        zip.addReadStream(Readable.from([Buffer.from(LARGE_B)]), `${p}b.txt`);
      }),
    files: [
      ["go.mod", GO_MOD],
      ["a.txt", LARGE_A],
      ["b.txt", LARGE_B],
    ],
  },
  {
    // U+FF21 sorts before U+10400 in UTF-8 but after it in UTF-16, so only go can say (dirhash.ts sorts by UTF-16).
    title: "names whose UTF-8 order differs from their UTF-16 order",
    version: "v1.4.0",
    zip: (p) =>
      yazlZip((zip) => {
        for (const name of ["go.mod", "\u{ff21}.txt", "\u{10400}.txt"]) zip.addBuffer(Buffer.from(name === "go.mod" ? GO_MOD : name), p + name);
      }),
  },
];

const badZips: BadZip[] = [
  {
    title: "a file outside the module's prefix",
    zip: (p) => rawZip([stored(`${p}go.mod`, `module ${BAD}\n`), stored("example.com/other@v1.0.0/a.go", "package a\n")]),
    message: (p) => `module zip file "example.com/other@v1.0.0/a.go" is not under "${p}"`,
    goRefuses: true,
  },
  {
    title: "a file under a longer version that shares the prefix's text",
    zip: (p) => rawZip([stored(`${p.slice(0, -1)}0/a.go`, "package a\n")]),
    message: (p) => `module zip file "${p.slice(0, -1)}0/a.go" is not under "${p}"`,
    goRefuses: true,
  },
  {
    title: "a ../ path",
    zip: (p) => rawZip([stored(`${p}../evil.go`, "package evil\n")]),
    message: (p) => `module zip file "${p}../evil.go" has an invalid path: path element ".." is not allowed`,
    goRefuses: true,
  },
  {
    title: "an absolute name",
    zip: (p) => rawZip([stored(`/${p}a.go`, "package a\n")]),
    message: (p) => `module zip file "/${p}a.go" is not under "${p}"`,
    goRefuses: true,
  },
  {
    title: "an absolute path after the prefix",
    zip: (p) => rawZip([stored(`${p}/etc/passwd`, "root\n")]),
    message: (p) => `module zip file "${p}/etc/passwd" has an invalid path: empty path element (leading, trailing or double slash)`,
    goRefuses: true,
  },
  {
    title: "a backslash",
    zip: (p) => rawZip([stored(`${p}a\\b.go`, "package a\n")]),
    message: (p) => `module zip file "${p}a\\\\b.go" has an invalid path: character "\\\\" is not allowed`,
    goRefuses: true,
  },
  {
    title: "a character shells give meaning to",
    zip: (p) => rawZip([stored(`${p}what?.go`, "package a\n")]),
    message: (p) => `module zip file "${p}what?.go" has an invalid path: character "?" is not allowed`,
    goRefuses: true,
  },
  {
    title: "a path element ending in a dot",
    zip: (p) => rawZip([stored(`${p}dir./a.go`, "package a\n")]),
    message: (p) => `module zip file "${p}dir./a.go" has an invalid path: path element "dir." ends in a dot`,
    goRefuses: true,
  },
  {
    title: "a duplicate name",
    zip: (p) => rawZip([stored(`${p}a.go`, "package a\n"), stored(`${p}a.go`, "package a\n")]),
    message: () => `module zip has the file "a.go" twice`,
    goRefuses: true,
  },
  {
    title: "names that differ only in case",
    zip: (p) => rawZip([stored(`${p}docs/README`, "a"), stored(`${p}Docs/x.txt`, "b")]),
    message: () => `module zip has files "docs" and "Docs", which differ only in letter case`,
    goRefuses: true,
  },
  {
    title: "names equal under Unicode case folding only (Kelvin sign and k)",
    zip: (p) => rawZip([stored(`${p}\u212a.txt`, "a"), stored(`${p}k.txt`, "b")]),
    message: () => `module zip has files "\u212a.txt" and "k.txt", which differ only in letter case`,
    goRefuses: true,
  },
  {
    title: "a name that is both a file and a directory",
    zip: (p) => rawZip([stored(`${p}a`, "a"), stored(`${p}a/b.go`, "package b\n")]),
    message: () => `module zip has "a" both as a file and as a directory`,
    goRefuses: true,
  },
  {
    title: "a Windows-reserved file name",
    zip: (p) => rawZip([stored(`${p}aux.go`, "package aux\n")]),
    message: (p) => `module zip file "${p}aux.go" has an invalid path: "aux" is a reserved name on Windows`,
    goRefuses: true,
  },
  {
    title: "a Windows-reserved directory name, in upper case",
    zip: (p) => rawZip([stored(`${p}x/COM1/y.go`, "package y\n")]),
    message: (p) => `module zip file "${p}x/COM1/y.go" has an invalid path: "COM1" is a reserved name on Windows`,
    goRefuses: true,
  },
  {
    title: "a name that is not valid UTF-8",
    zip: (p) => rawZip([stored(Buffer.concat([Buffer.from(p), Buffer.from([0x61, 0xff, 0x2e, 0x67, 0x6f])]), "package a\n")]),
    message: (p) => `module zip has a file name that is not valid UTF-8, under "${p}"`,
    goRefuses: true,
  },
  {
    title: "a go.mod over 16 MiB",
    zip: (p) => rawZip([deflatedEntry(`${p}go.mod`, Buffer.alloc(MAX_GO_MOD + 1, "\n"))]),
    message: () => `module go.mod is larger than ${MAX_GO_MOD} bytes`,
    goRefuses: true,
  },
  {
    title: "a LICENSE over 16 MiB",
    zip: (p) => rawZip([deflatedEntry(`${p}LICENSE`, Buffer.alloc(MAX_LICENSE + 1, " "))]),
    message: () => `module LICENSE is larger than ${MAX_LICENSE} bytes`,
    goRefuses: true,
  },
  {
    title: "a go.mod below the module root",
    zip: (p) => rawZip([stored(`${p}sub/go.mod`, "module x\n")]),
    message: (p) => `module zip file "${p}sub/go.mod" is misplaced: go.mod is allowed only in the module root`,
    goRefuses: true,
  },
  {
    title: "a go.mod in upper case",
    zip: (p) => rawZip([stored(`${p}GO.MOD`, `module ${BAD}\n`)]),
    message: (p) => `module zip file "${p}GO.MOD" must be named "go.mod", in lower case`,
    goRefuses: true,
  },
  {
    // Refused from the declared sizes alone, so the data need not match them (go, which hashes
    // before it checks sizes, stops at the missing data instead; honest data would cost it seconds).
    title: "declared sizes adding up to more than 500 MiB",
    zip: (p) => rawZip([1, 2].map((i) => ({ ...deflatedEntry(`${p}${i}.bin`, Buffer.alloc(0)), size: 300 * MIB }))),
    message: () => `module contents are larger than ${MAX_ZIP_FILE} bytes uncompressed`,
    goRefuses: true,
  },
  {
    title: "a 2 GiB zip bomb whose entries declare 1 KiB each",
    zip: (p) => {
      const bomb = zerosDeflated(512);
      return rawZip([1, 2, 3, 4].map((i) => ({ name: `${p}${i}.bin`, data: bomb, method: 8, size: 1024 })));
    },
    message: (p) => `module zip file "${p}1.bin" is larger than its declared size of 1024 bytes`,
    goRefuses: true,
  },
  {
    title: "a 4 GiB zip bomb in one entry that declares 2 MiB",
    zip: (p) => rawZip([{ name: `${p}bomb.bin`, data: zerosDeflated(4096), method: 8, size: 2 * MIB }]),
    message: (p) => `module zip file "${p}bomb.bin" is larger than its declared size of ${2 * MIB} bytes`,
    goRefuses: true,
  },
  {
    title: "a tampered byte (CRC-32 mismatch)",
    zip: async (p) => {
      const zip = await yazlZip((z) => z.addBuffer(Buffer.from("package tampered\n"), `${p}a.go`, { compress: false }));
      zip[zip.indexOf("tampered")] ^= 0x20;
      return zip;
    },
    message: (p) => `module zip file "${p}a.go" fails its CRC-32 check`,
    goRefuses: true,
  },
  {
    title: "a data descriptor whose CRC-32 differs from the central directory's",
    zip: (p) => {
      const content = Buffer.from("package a\n");
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(0x12345678, 4);
      return rawZip([{ ...stored(`${p}a.go`, content), flags: 0x808, trailer: descriptor }]);
    },
    message: (p) => `module zip is corrupt: the data descriptor of "${p}a.go" has another CRC-32`,
    goRefuses: true,
  },
  {
    title: "a file cut short",
    zip: async (p) => {
      const zip = await yazlZip((z) => z.addBuffer(Buffer.from("package a\n".repeat(100)), `${p}a.go`));
      return zip.subarray(0, zip.length >> 1);
    },
    message: () => "module zip is truncated: it has no end of central directory record",
    goRefuses: true,
  },
  {
    title: "something that is not a zip at all",
    zip: () => Buffer.from("<html>Not Found</html>\n"),
    message: () => "not a zip file",
    goRefuses: true,
  },
  {
    title: "an empty file",
    zip: () => Buffer.alloc(0),
    message: () => "not a zip file",
    goRefuses: true,
  },
  {
    title: "data before the zip, as in a self-extracting archive",
    zip: (p) => Buffer.concat([Buffer.from("#!/bin/sh\nexit 0\n"), rawZip([stored(`${p}a.go`, "package a\n")])]),
    message: () => "module zip is corrupt: the central directory is not where the end record says",
    goRefuses: false,
  },
  {
    title: "an end record that counts another number of entries",
    zip: (p) => {
      const zip = rawZip([stored(`${p}a.go`, "package a\n"), stored(`${p}b.go`, "package b\n")]);
      zip.writeUInt16LE(3, zip.length - 12);
      return zip;
    },
    message: () => "module zip is corrupt: the end record says 3 entries, the central directory has 2",
    goRefuses: true,
  },
  {
    title: "a stored file longer than its declared size",
    zip: (p) => rawZip([{ ...stored(`${p}a.go`, "package a\n"), size: 9 }]),
    message: (p) => `module zip file "${p}a.go" is larger than its declared size of 9 bytes`,
    goRefuses: true,
  },
  {
    title: "a deflated file shorter than its declared size",
    zip: (p) => rawZip([{ ...deflatedEntry(`${p}a.go`, Buffer.from("package a\n")), size: 11 }]),
    message: (p) => `module zip file "${p}a.go" is smaller than its declared size of 11 bytes`,
    goRefuses: true,
  },
  {
    title: "a large file whose compressed data is cut short",
    zip: (p) => {
      const entry = deflatedEntry(`${p}b.txt`, Buffer.from(LARGE_B));
      return rawZip([{ ...entry, data: entry.data.subarray(0, entry.data.length >> 1) }]);
    },
    message: (p) => `module zip file "${p}b.txt" has corrupt or cut-short compressed data`,
    goRefuses: true,
  },
  {
    title: "compressed data that is not deflate",
    // 0xff starts a block of the reserved type 3.
    zip: (p) => rawZip([{ ...stored(`${p}a.go`, Buffer.from([0xff, 0xff, 0xff])), method: 8, size: 10 }]),
    message: (p) => `module zip file "${p}a.go" has corrupt or cut-short compressed data`,
    goRefuses: true,
  },
  {
    title: "a compression method other than store and deflate",
    zip: (p) => rawZip([{ ...stored(`${p}a.go`, "package a\n"), method: 12 }]),
    message: (p) => `module zip file "${p}a.go" is compressed with method 12; only store (0) and deflate (8) are allowed`,
    goRefuses: true,
  },
  {
    title: "a directory entry with content",
    zip: (p) => rawZip([stored(`${p}sub/`, "content")]),
    message: (p) => `module zip directory "${p}sub/" has content`,
    goRefuses: true,
  },
  {
    // b's local header lies inside a's data: the layout of overlapping-entry zip bombs.
    title: "entries whose data overlap",
    zip: (p) => {
      const inner = rawZip([stored(`${p}b.go`, "package b\n")]);
      const a = stored(`${p}a.go`, inner.subarray(0, inner.indexOf("package b\n") + 10));
      return rawZip([a, { ...stored(`${p}b.go`, "package b\n"), at: 30 + Buffer.byteLength(`${p}a.go`) }]);
    },
    message: (p) => `module zip is corrupt: "${p}a.go" overlaps another entry or the central directory`,
    goRefuses: false,
  },
  {
    title: "a local header naming another file than the central directory",
    zip: (p) => rawZip([{ ...stored(`${p}a.go`, "package a\n"), localName: `${p}b.go` }]),
    message: (p) => `module zip is corrupt: the local header of "${p}a.go" names another file`,
    goRefuses: false,
  },
];

function versionFile(root: string, modulePath: string, version: string, ext: string): string {
  return path.join(root, ...encodeCase(modulePath).split("/"), "@v", `${encodeCase(version)}.${ext}`);
}

async function serve(root: string, modulePath: string, version: string, zip: Buffer): Promise<string> {
  const file = versionFile(root, modulePath, version, "zip");
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(versionFile(root, modulePath, version, "info"), JSON.stringify({ Version: version, Time: "2024-01-01T00:00:00Z" }));
  await fs.writeFile(versionFile(root, modulePath, version, "mod"), `module ${modulePath}\n`);
  await fs.writeFile(file, zip);
  return file;
}

async function assertRefused(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.ok(err instanceof InvalidModuleContentError, `not an InvalidModuleContentError: ${err.stack}`);
    assert.equal(err.message, message);
    return true;
  });
}

describe("module zip check", function () {
  let tree: GoproxyTree;
  let go: GoSandbox;
  /** What `go mod download -json` said about each "<module>@<version>". */
  let goSays: Map<string, DownloadedModule>;
  const goodFiles = new Map<string, string>();
  const badFiles = new Map<string, string>();

  before(async function () {
    tree = await buildGoproxyTree();
    for (const good of goodZips) {
      goodFiles.set(good.version, await serve(tree.dir, LAYOUTS, good.version, await good.zip(`${LAYOUTS}@${good.version}/`)));
    }
    for (const [i, bad] of badZips.entries()) {
      const version = `v1.${i}.0`;
      badFiles.set(bad.title, await serve(tree.dir, BAD, version, await bad.zip(`${BAD}@${version}/`)));
    }
    go = await createGoSandbox(`file://${tree.dir}`);
    const all = [...tree.allVersions, ...goodZips.map((g) => `${LAYOUTS}@${g.version}`), ...badZips.map((_, i) => `${BAD}@v1.${i}.0`)];
    const result = await go.run(["mod", "download", "-json", ...all]);
    goSays = new Map(parseJsonStream<DownloadedModule>(result.stdout).map((m) => [`${m.Path}@${m.Version}`, m]));
    assert.equal(goSays.size, all.length, `go did not report on every module:\n${result.stderr}`);
  });

  after(async function () {
    await go?.remove();
    await tree?.remove();
  });

  describe("checkModuleZip", function () {
    it("hashes every fixture zip as dirhash.ts and go do, and returns its go.mod", async function () {
      for (const module of tree.modules) {
        for (const version of module.versions) {
          const key = `${module.path}@${version.version}`;
          const checked = await checkModuleZip(versionFile(tree.dir, module.path, version.version, "zip"), module.path, version.version);
          assert.equal(checked.hash, tree.hashes.get(key)?.zip, key);
          assert.equal(checked.hash, goSays.get(key)?.Sum, key);
          assert.deepEqual(checked.goMod, version.files.get("go.mod"), key);
        }
      }
    });

    for (const good of goodZips) {
      it(`accepts ${good.title}, hashed as go does`, async function () {
        const prefix = `${LAYOUTS}@${good.version}/`;
        const checked = await checkModuleZip(goodFiles.get(good.version) as string, LAYOUTS, good.version);
        const said = goSays.get(`${LAYOUTS}@${good.version}`);
        assert.equal(said?.Error, undefined);
        assert.equal(checked.hash, said?.Sum);
        if (good.files) assert.equal(checked.hash, hash1(new Map(good.files.map(([name, content]) => [prefix + name, Buffer.from(content)]))));
        assert.equal(checked.goMod?.toString(), GO_MOD);
      });
    }

    for (const [i, bad] of badZips.entries()) {
      it(`refuses ${bad.title}, ${bad.goRefuses ? "as go does" : "which go accepts"}`, async function () {
        const version = `v1.${i}.0`;
        const started = Date.now();
        const peakRss = process.resourceUsage().maxRSS;
        await assertRefused(checkModuleZip(badFiles.get(bad.title) as string, BAD, version), bad.message(`${BAD}@${version}/`));
        // Bombs and oversized entries must be refused without inflating them, in time or in memory.
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
        const grownKiB = process.resourceUsage().maxRSS - peakRss;
        assert.ok(grownKiB < 100 * 1024, `peak memory grew by ${grownKiB} KiB`);
        const goError = goSays.get(`${BAD}@${version}`)?.Error;
        assert.equal(goError !== undefined, bad.goRefuses, goError ?? "go accepted it");
      });
    }

    it("refuses a zip file over 500 MiB without reading it", async function () {
      const file = path.join(tree.dir, "huge.zip");
      const handle = await fs.open(file, "w");
      await handle.truncate(MAX_ZIP_FILE + 1);
      await handle.close();
      await assertRefused(checkModuleZip(file, BAD, "v1.0.0"), `module zip is ${MAX_ZIP_FILE + 1} bytes, over the limit of ${MAX_ZIP_FILE} bytes`);
    });

    it("passes on errors that are not about the content", async function () {
      await assert.rejects(checkModuleZip(path.join(tree.dir, "missing.zip"), BAD, "v1.0.0"), { code: "ENOENT" });
    });
  });

  describe("checkModMatchesZip", function () {
    const goMod = Buffer.from(GO_MOD);

    it("accepts a .mod equal to the zip's go.mod", function () {
      checkModMatchesZip(Buffer.from(GO_MOD), goMod, LAYOUTS);
    });

    it("refuses a .mod that differs from the zip's go.mod", function () {
      assert.throws(() => checkModMatchesZip(Buffer.from(GO_MOD + "\n"), goMod, LAYOUTS), {
        constructor: InvalidModuleContentError,
        message: "the .mod file differs from the go.mod in the module zip",
      });
    });

    it("accepts the .mod go synthesizes for a zip without go.mod", function () {
      const legacy = tree.modules.flatMap((m) => m.versions.filter((v) => !v.files.has("go.mod")).map((v) => [m.path, v] as const));
      assert.ok(legacy.length > 0, "a fixture version without go.mod");
      for (const [modulePath, version] of legacy) checkModMatchesZip(goModOf(modulePath, version), undefined, modulePath);
    });

    it("refuses anything else for a zip without go.mod", function () {
      for (const mod of [GO_MOD, `module ${LAYOUTS}`, `module "${LAYOUTS}"\n`, ""]) {
        assert.throws(() => checkModMatchesZip(Buffer.from(mod), undefined, LAYOUTS), {
          constructor: InvalidModuleContentError,
          message: `the module zip has no go.mod, so the .mod file must be exactly "module ${LAYOUTS}\\n", as go synthesizes it`,
        });
      }
    });
  });

  describe("goModHash", function () {
    it("gives the go.sum /go.mod hash that dirhash.ts and go compute", function () {
      for (const module of tree.modules) {
        for (const version of module.versions) {
          const mod = goModOf(module.path, version);
          const key = `${module.path}@${version.version}`;
          assert.equal(goModHash(mod), expectedGoModHash(mod), key);
          assert.equal(goModHash(mod), goSays.get(key)?.GoModSum, key);
        }
      }
    });
  });
});
