import { createHash } from "node:crypto";

// The "h1:" hashes the go command records in go.sum, computed here without go
// so the tests can check go's results against an independent answer.
// Algorithm: golang.org/x/mod/sumdb/dirhash Hash1.

function sha256(data: Buffer | string): Buffer {
  return createHash("sha256").update(data).digest();
}

/** Hash1 over named files: one "<sha256 hex>  <name>\n" line per file, sorted by name. */
export function hash1(files: ReadonlyMap<string, Buffer>): string {
  const names = [...files.keys()].sort();
  const summary = names.map((name) => {
    if (name.includes("\n")) throw new Error(`file name contains a newline: ${JSON.stringify(name)}`);
    return `${sha256(files.get(name) as Buffer).toString("hex")}  ${name}\n`;
  });
  return "h1:" + sha256(summary.join("")).toString("base64");
}

/** The go.sum hash of a module zip whose entries (without the "<module>@<version>/" prefix) are `files`. */
export function zipHash(modulePath: string, version: string, files: ReadonlyMap<string, Buffer>): string {
  const prefixed = new Map([...files].map(([name, data]) => [`${modulePath}@${version}/${name}`, data]));
  return hash1(prefixed);
}

/** The go.sum hash of a version's go.mod file (the "<module> <version>/go.mod" line). */
export function goModHash(goMod: Buffer): string {
  return hash1(new Map([["go.mod", goMod]]));
}
