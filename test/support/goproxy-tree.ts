import { createWriteStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { goModHash, zipHash } from "./dirhash";
import { FixtureModule, FixtureVersion, goModOf, readFixtureModules } from "./fixture-modules";
import { encodeCase } from "../../proxy-app/src/module-path";
import { latestVersion } from "../../proxy-app/src/semver";

// Builds a static GOPROXY tree (go.dev/ref/mod#goproxy-protocol) from the
// fixture modules, and the go.sum hashes go should record for each version.

export interface VersionHashes {
  /** go.sum hash of the module zip ("<module> <version> h1:..."). */
  zip: string;
  /** go.sum hash of the .mod file ("<module> <version>/go.mod h1:..."). */
  goMod: string;
}

export interface GoproxyTree {
  dir: string;
  modules: FixtureModule[];
  /** Keyed by "<module>@<version>". */
  hashes: Map<string, VersionHashes>;
  /** Every fixture version as "<module>@<version>". */
  allVersions: string[];
  /** The go.sum lines of one version, as go writes them. */
  goSumLines(modulePath: string, version: string): [string, string];
  remove(): Promise<void>;
}

// Zip entry times do not enter the hash; a fixed one keeps the zips byte-identical across runs.
const ZIP_ENTRY_TIME = new Date("2024-01-01T00:00:00Z");

/** Each version gets its own day, in version order, so .info times are distinct and stable. */
function versionTime(index: number): string {
  return new Date(Date.UTC(2024, 0, 1 + index)).toISOString().replace(".000Z", "Z");
}

async function writeZip(file: string, modulePath: string, version: FixtureVersion): Promise<void> {
  const zip = new ZipFile();
  for (const [name, data] of version.files) {
    zip.addBuffer(data, `${modulePath}@${version.version}/${name}`, { mtime: ZIP_ENTRY_TIME });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

async function writeModule(root: string, module: FixtureModule, hashes: Map<string, VersionHashes>): Promise<void> {
  const moduleDir = path.join(root, ...encodeCase(module.path).split("/"));
  const versionDir = path.join(moduleDir, "@v");
  await fs.mkdir(versionDir, { recursive: true });
  const infos = new Map<string, string>();
  for (const [index, version] of module.versions.entries()) {
    const base = path.join(versionDir, encodeCase(version.version));
    const info = JSON.stringify({ Version: version.version, Time: versionTime(index) }) + "\n";
    infos.set(version.version, info);
    const goMod = goModOf(module.path, version);
    await fs.writeFile(`${base}.info`, info);
    await fs.writeFile(`${base}.mod`, goMod);
    await writeZip(`${base}.zip`, module.path, version);
    hashes.set(`${module.path}@${version.version}`, {
      zip: zipHash(module.path, version.version, version.files),
      goMod: goModHash(goMod),
    });
  }
  const versions = module.versions.map((v) => v.version);
  await fs.writeFile(path.join(versionDir, "list"), versions.map((v) => v + "\n").join(""));
  const latest = latestVersion(versions) as string;
  await fs.writeFile(path.join(moduleDir, "@latest"), infos.get(latest) as string);
}

export async function buildGoproxyTree(): Promise<GoproxyTree> {
  const modules = await readFixtureModules();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-goproxy-tree-"));
  const hashes = new Map<string, VersionHashes>();
  for (const module of modules) await writeModule(dir, module, hashes);
  return {
    dir,
    modules,
    hashes,
    allVersions: [...hashes.keys()],
    goSumLines(modulePath, version) {
      const hash = hashes.get(`${modulePath}@${version}`);
      if (!hash) throw new Error(`no fixture version ${modulePath}@${version}`);
      return [`${modulePath} ${version} ${hash.zip}`, `${modulePath} ${version}/go.mod ${hash.goMod}`];
    },
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
