import { promises as fs } from "node:fs";

// Parsers for what the go command writes, so tests can compare it field by field.

/** One object of `go mod download -json` output. */
export interface DownloadedModule {
  Path: string;
  Version: string;
  Error?: string;
  Info?: string;
  GoMod?: string;
  Zip?: string;
  Dir?: string;
  Sum?: string;
  GoModSum?: string;
}

/** go -json commands print a stream of indented JSON objects, not an array. */
export function parseJsonStream<T>(output: string): T[] {
  const objects: T[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < output.length; i++) {
    const c = output[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}") {
      if (--depth === 0) objects.push(JSON.parse(output.slice(start, i + 1)) as T);
    }
  }
  if (depth !== 0 || inString) throw new Error(`truncated JSON stream:\n${output}`);
  return objects;
}

/** The lines of a go.sum file, in file order. */
export async function readGoSum(file: string): Promise<string[]> {
  return (await fs.readFile(file, "utf8")).split("\n").filter((line) => line !== "");
}
