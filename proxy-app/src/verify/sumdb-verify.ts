import { SumdbVerifyError } from "./error";
import { isNoteText, openSignedTree, parseCount, Tree, Verifier } from "./note";

/**
 * Verification of checksum database answers (go.dev/ref/mod#checksum-database)
 * the way the go command verifies them: signed tree notes, lookups, record
 * proofs, tiles and tree consistency. Nothing is cached here; the caller
 * passes a reader for the tiles.
 */

export { SumdbVerifyError } from "./error";
export { DEFAULT_SUMDB_VERIFIER_KEY, openSignedTree, parseVerifierKey } from "./note";
export type { Tree, Verifier } from "./note";
export { parseTilePath, proveConsistency, proveRecord, TILE_HEIGHT, tilePath, verifyTile } from "./tlog";
export type { Tile, TileReader } from "./tlog";

export interface LookupAnswer {
  id: number;
  /** The record text, e.g. "m v1.0.0 h1:..\nm v1.0.0/go.mod h1:..\n". */
  record: Buffer;
  tree: Tree;
  signedTree: Buffer;
}

/**
 * Splits a /lookup/ answer, "<id>\n<record text>\n<signed tree note>", and
 * verifies its signed tree; proving the record is in that tree is proveRecord's job.
 */
export function parseLookup(body: Buffer, v: Verifier): LookupAnswer {
  const idEnd = body.indexOf("\n");
  const id = idEnd < 0 ? undefined : parseCount(body.subarray(0, idEnd).toString("latin1"));
  // Record text has no blank lines, so the first one ends it.
  const recordEnd = idEnd < 0 ? -1 : body.indexOf("\n\n", idEnd + 1);
  const record = body.subarray(idEnd + 1, recordEnd + 1);
  if (id === undefined || recordEnd < 0 || !isNoteText(record)) throw new SumdbVerifyError("lookup answer is not a record id, a record and a signed tree");
  const signedTree = body.subarray(recordEnd + 2);
  return { id, record, tree: openSignedTree(signedTree, v), signedTree };
}

/** The two hashes a record gives for module@version; throws if the record is not exactly that version's two lines. */
export function recordHashes(record: Buffer, module: string, version: string): { zip: string; mod: string } {
  const hashes = new Map<string, string>();
  const lines = record.toString("utf8").split("\n");
  const last = lines.pop();
  for (const line of lines) {
    const [m, v, hash, extra] = line.split(" ");
    if (m !== module || (v !== version && v !== `${version}/go.mod`) || !hash || extra !== undefined || hashes.has(v)) {
      throw new SumdbVerifyError(`checksum record line "${line}" is not one for ${module}@${version}`);
    }
    hashes.set(v, hash);
  }
  const zip = hashes.get(version);
  const mod = hashes.get(`${version}/go.mod`);
  if (last !== "" || zip === undefined || mod === undefined) throw new SumdbVerifyError(`checksum record does not give both hashes of ${module}@${version}`);
  return { zip, mod };
}
