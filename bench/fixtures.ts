import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { goModHash, zipHash } from "../test/support/dirhash";
import type { SumdbRecord } from "../test/support/sumdb";

// The GOPROXY tree every server in the benchmark serves or fetches from:
// real module zips (the proxy checks them, and holds their hashes to a test
// checksum database), padded with incompressible bytes so sizes are what
// they say on the wire.

export const VERSION = "v1.0.0";
export const PREFIX = "example.com/bench";

export interface BenchModule {
  path: string;
  /** Bytes of padding in the zip besides go.mod. */
  padding: number;
}

/** Files of one version, as a module proxy's URLs name them (no leading "/"). */
export function versionFiles(module: string): { info: string; mod: string; zip: string; list: string; latest: string } {
  const v = `${module}/@v/${VERSION}`;
  return { info: `${v}.info`, mod: `${v}.mod`, zip: `${v}.zip`, list: `${module}/@v/list`, latest: `${module}/@latest` };
}

/** Writes the tree; returns every version's checksum-database record, for a test database to vouch for. */
export async function writeTree(root: string, modules: BenchModule[]): Promise<SumdbRecord[]> {
  const records: SumdbRecord[] = [];
  for (const m of modules) {
    const files = versionFiles(m.path);
    await fs.mkdir(path.join(root, m.path, "@v"), { recursive: true });
    const info = JSON.stringify({ Version: VERSION, Time: "2026-01-01T00:00:00Z" }) + "\n";
    const goMod = `module ${m.path}\n\ngo 1.21\n`;
    await fs.writeFile(path.join(root, files.info), info);
    await fs.writeFile(path.join(root, files.latest), info);
    await fs.writeFile(path.join(root, files.list), `${VERSION}\n`);
    await fs.writeFile(path.join(root, files.mod), goMod);
    const contents = new Map([
      ["go.mod", Buffer.from(goMod)],
      ["doc.go", Buffer.from(`package ${path.posix.basename(m.path)}\n`)],
    ]);
    if (m.padding > 0) contents.set("testdata/blob.bin", randomBytes(m.padding));
    const zip = new ZipFile();
    // Stored, not deflated: random bytes would not shrink, and deflating them would only cost the setup time.
    for (const [name, data] of contents) zip.addBuffer(data, `${m.path}@${VERSION}/${name}`, { compress: name !== "testdata/blob.bin" });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(path.join(root, files.zip)));
    records.push({
      module: m.path,
      version: VERSION,
      goSumLines: [`${m.path} ${VERSION} ${zipHash(m.path, VERSION, contents)}`, `${m.path} ${VERSION}/go.mod ${goModHash(Buffer.from(goMod))}`],
    });
  }
  return records;
}
