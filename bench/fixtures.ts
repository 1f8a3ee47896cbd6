import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";

// The GOPROXY tree every server in the benchmark serves or fetches from:
// real module zips (the proxy checks them), padded with incompressible bytes
// so sizes are what they say on the wire.

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

export async function writeTree(root: string, modules: BenchModule[]): Promise<void> {
  for (const m of modules) {
    const files = versionFiles(m.path);
    await fs.mkdir(path.join(root, m.path, "@v"), { recursive: true });
    const info = JSON.stringify({ Version: VERSION, Time: "2026-01-01T00:00:00Z" }) + "\n";
    const goMod = `module ${m.path}\n\ngo 1.21\n`;
    await fs.writeFile(path.join(root, files.info), info);
    await fs.writeFile(path.join(root, files.latest), info);
    await fs.writeFile(path.join(root, files.list), `${VERSION}\n`);
    await fs.writeFile(path.join(root, files.mod), goMod);
    const zip = new ZipFile();
    const prefix = `${m.path}@${VERSION}/`;
    zip.addBuffer(Buffer.from(goMod), `${prefix}go.mod`);
    zip.addBuffer(Buffer.from(`package ${path.posix.basename(m.path)}\n`), `${prefix}doc.go`);
    // Stored, not deflated: random bytes would not shrink, and deflating them would only cost the setup time.
    if (m.padding > 0) zip.addBuffer(randomBytes(m.padding), `${prefix}testdata/blob.bin`, { compress: false });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(path.join(root, files.zip)));
  }
}
