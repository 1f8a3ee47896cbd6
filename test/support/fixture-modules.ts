import { promises as fs } from "node:fs";
import * as path from "node:path";
import { listFiles } from "./files";
import { compareVersions } from "../../proxy-app/src/semver";

// Reads the fixture module sources under test/fixtures/modules, laid out as
// <module path>/<version>/<files of that version>.

export const FIXTURE_MODULES_DIR = path.resolve(__dirname, "..", "fixtures", "modules");

export interface FixtureVersion {
  version: string;
  /** The files of the module zip, keyed by slash-separated name relative to the module root. */
  files: Map<string, Buffer>;
}

export interface FixtureModule {
  path: string;
  /** Sorted in semantic-version order. */
  versions: FixtureVersion[];
}

const VERSION_DIR = /^v\d+\.\d+\.\d+/;

async function readFilesUnder(root: string): Promise<Map<string, Buffer>> {
  const names = await listFiles(root);
  return new Map(await Promise.all(names.map(async (name) => [name, await fs.readFile(path.join(root, name))] as const)));
}

async function collectModules(dir: string, modulePath: string, into: FixtureModule[]): Promise<void> {
  const children = (await fs.readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory());
  const versionDirs = children.filter((entry) => VERSION_DIR.test(entry.name));
  if (versionDirs.length > 0) {
    if (versionDirs.length !== children.length) throw new Error(`fixture ${dir} mixes version and non-version directories`);
    const versions = await Promise.all(versionDirs.map(async (entry) => ({ version: entry.name, files: await readFilesUnder(path.join(dir, entry.name)) })));
    versions.sort((a, b) => compareVersions(a.version, b.version));
    into.push({ path: modulePath, versions });
    return;
  }
  for (const child of children) {
    await collectModules(path.join(dir, child.name), modulePath ? `${modulePath}/${child.name}` : child.name, into);
  }
}

export async function readFixtureModules(root: string = FIXTURE_MODULES_DIR): Promise<FixtureModule[]> {
  const modules: FixtureModule[] = [];
  await collectModules(root, "", modules);
  return modules;
}

/** The .mod file a proxy serves: the version's own go.mod, or for a version without one (the "+incompatible" case) the line go synthesizes. */
export function goModOf(modulePath: string, version: FixtureVersion): Buffer {
  return version.files.get("go.mod") ?? Buffer.from(`module ${modulePath}\n`);
}
