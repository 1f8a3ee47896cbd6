import { createHash } from "node:crypto";
import { SumdbVerifyError } from "./error";
import type { Tree } from "./note";

/**
 * The checksum database's tamper-evident log (go.dev/design/25530-sumdb,
 * golang.org/x/mod/sumdb/tlog): an RFC 6962 Merkle tree over the records,
 * served as tiles, and the proofs the go command runs over those tiles.
 */

/** A tile of height h at level l (-1 for data tiles) number n: w consecutive hashes of tree level l*h from n*2^h on. */
export interface Tile {
  h: number;
  l: number;
  n: number;
  w: number;
}

/** Reads a tile's bytes (from the proxy's storage or its upstream); the proxy supplies it. */
export type TileReader = (t: Tile) => Promise<Buffer>;

/** What the go command uses for the public database. */
export const TILE_HEIGHT = 8;

const HASH_SIZE = 32;
const MAX_HEIGHT = 30;
const MAX_LEVEL = 63;
/** Tile numbers are written three digits to a path element, so no directory of tiles grows past a few thousand entries. */
const PATH_BASE = 1000;
/** RFC 6962's hash of the empty tree: sha256 of nothing. */
const EMPTY_TREE_HASH = createHash("sha256").digest();

function leafHash(record: Buffer): Buffer {
  return createHash("sha256").update(Buffer.of(0x00)).update(record).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash("sha256").update(Buffer.of(0x01)).update(left).update(right).digest();
}

function checkTile(t: Tile): void {
  const ok =
    Number.isInteger(t.h) &&
    t.h >= 1 &&
    t.h <= MAX_HEIGHT &&
    Number.isInteger(t.l) &&
    t.l >= -1 &&
    t.l <= MAX_LEVEL &&
    Number.isSafeInteger(t.n) &&
    t.n >= 0 &&
    Number.isInteger(t.w) &&
    t.w >= 1 &&
    t.w <= 2 ** t.h;
  if (!ok) throw new SumdbVerifyError(`${JSON.stringify(t)} is not a tile`);
}

/** "tile/H/L/NNN" with "xNNN/" elements before for larger numbers, "data" for level -1 and ".p/W" for a partial tile. */
export function tilePath(t: Tile): string {
  checkTile(t);
  let n = t.n;
  let digits = String(n % PATH_BASE).padStart(3, "0");
  while (n >= PATH_BASE) {
    n = Math.floor(n / PATH_BASE);
    digits = `x${String(n % PATH_BASE).padStart(3, "0")}/${digits}`;
  }
  const level = t.l === -1 ? "data" : String(t.l);
  const partial = t.w === 2 ** t.h ? "" : `.p/${t.w}`;
  return `tile/${t.h}/${level}/${digits}${partial}`;
}

export function parseTilePath(path: string): Tile {
  const m = /^tile\/([1-9][0-9]?)\/(data|[0-9]{1,2})\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,9}))?$/.exec(path);
  const h = Number(m?.[1]);
  const tile = m && {
    h,
    l: m[2] === "data" ? -1 : Number(m[2]),
    n: m[3].split("/").reduce((n, element) => n * PATH_BASE + Number(element.replace("x", "")), 0),
    w: m[4] === undefined ? 2 ** h : Number(m[4]),
  };
  // Only the one spelling tilePath gives is a tile: no "x000/" lead, no ".p/W" for a full width, no "00" level.
  try {
    if (tile && tilePath(tile) === path) return tile;
  } catch {
    // Out of range: not a tile either.
  }
  throw new SumdbVerifyError(`"${path}" is not a tile path`);
}

/** The width a tile at level l, number n, has in a tree of size `size`: full, partial at the right edge, or 0 beyond it. */
function widthIn(size: number, h: number, l: number, n: number): number {
  const hashesAtLevel = Math.floor(size / 2 ** (l * h));
  return Math.max(0, Math.min(2 ** h, hashesAtLevel - n * 2 ** h));
}

/**
 * Where the hash of complete subtree `index` at tree level `level` comes from:
 * the tile holding it (at the width the tree gives that tile) and the run of
 * that tile's entries it is the subtree hash of.
 */
function locate(size: number, h: number, level: number, index: number): { tile: Tile; start: number; count: number } {
  const l = Math.floor(level / h);
  const count = 2 ** (level - l * h);
  const first = index * count;
  const n = Math.floor(first / 2 ** h);
  return { tile: { h, l, n, w: widthIn(size, h, l, n) }, start: first - n * 2 ** h, count };
}

/** The hash of the subtree over `count` (a power of two) entries of a hash tile from `start` on. */
function subtreeHash(data: Buffer, start: number, count: number): Buffer {
  if (count === 1) return data.subarray(start * HASH_SIZE, (start + 1) * HASH_SIZE);
  const half = count / 2;
  return nodeHash(subtreeHash(data, start, half), subtreeHash(data, start + half, half));
}

/** The complete subtrees whose hashes make up the hash of a tree of size `size`, left to right: one per bit set in it. */
function treeParts(size: number): { level: number; index: number }[] {
  let top = 0;
  while (2 ** (top + 1) <= size) top++;
  const parts = [];
  let covered = 0;
  for (let level = top; level >= 0 && covered < size; level--) {
    if (size - covered < 2 ** level) continue;
    parts.push({ level, index: covered / 2 ** level });
    covered += 2 ** level;
  }
  return parts;
}

/** RFC 6962's tree hash from the hashes of treeParts: the smaller subtrees on the right fold in first. */
function foldParts(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_TREE_HASH;
  return hashes.slice(0, -1).reduceRight((right, left) => nodeHash(left, right), hashes[hashes.length - 1]);
}

function doesNotHash(tiles: Tile[], tree: Tree): SumdbVerifyError {
  const paths = tiles.map(tilePath).join(", ");
  return new SumdbVerifyError(
    `${tiles.length === 1 ? "tile" : "tiles"} ${paths} ${tiles.length === 1 ? "does" : "do"} not hash into the signed tree of size ${tree.n}`,
  );
}

/**
 * The hashes of one signed tree, read from its tiles, as the go command's
 * tile reader trusts them: the tiles holding the parts of the tree hash are
 * trusted together once the tree hash recomputed from them matches; any other
 * tile once its hash matches the entry for it in its parent tile, up the chain
 * to a trusted tile. Tiles are asked for at the width the tree gives them.
 */
class TreeTiles {
  /** Every tile read or given, by path; trusted only once in `trusted`. */
  private readonly data = new Map<string, Buffer>();
  private readonly trusted = new Set<string>();
  /** The tiles read with the reader, in the order asked for. */
  readonly read: Tile[] = [];
  /** Where the parts of the tree hash are, and the tiles holding them. */
  private readonly parts: ReturnType<typeof locate>[];
  private readonly roots: Tile[];

  constructor(
    private readonly tree: Tree,
    private readonly h: number,
    private readonly reader: TileReader,
    /** A tile whose bytes are under test: used instead of reading it. */
    given?: { tile: Tile; data: Buffer },
  ) {
    if (given) this.data.set(tilePath(given.tile), given.data);
    this.parts = treeParts(tree.n).map(({ level, index }) => locate(tree.n, h, level, index));
    this.roots = [...new Map(this.parts.map((p) => [tilePath(p.tile), p.tile])).values()];
  }

  /** The trusted hash of complete subtree `index` at tree level `level`. */
  async hash(level: number, index: number): Promise<Buffer> {
    const { tile, start, count } = locate(this.tree.n, this.h, level, index);
    return subtreeHash(await this.tile(tile), start, count);
  }

  /** The bytes of a tile, which must have the width the tree gives it, once trusted. */
  async tile(tile: Tile): Promise<Buffer> {
    if (this.trusted.has(tilePath(tile))) return this.data.get(tilePath(tile))!;
    const rootPaths = new Set(this.roots.map(tilePath));
    // A full tile's parent holds its hash; a partial one always holds a part of the tree hash, so the chain ends at a root.
    const chain: Tile[] = [];
    for (let t = tile; !rootPaths.has(tilePath(t)) && !this.trusted.has(tilePath(t)); t = this.parent(t)) chain.push(t);
    const rootsTrusted = this.roots.every((t) => this.trusted.has(tilePath(t)));
    await this.load([...(rootsTrusted ? [] : this.roots), ...chain]);

    if (!rootsTrusted) {
      const treeHash = foldParts(this.parts.map((p) => subtreeHash(this.data.get(tilePath(p.tile))!, p.start, p.count)));
      if (!treeHash.equals(this.tree.hash)) throw doesNotHash(this.roots, this.tree);
      for (const path of rootPaths) this.trusted.add(path);
    }
    for (const t of chain.reverse()) {
      const parent = this.parent(t);
      const entry = subtreeHash(this.data.get(tilePath(parent))!, t.n - parent.n * 2 ** this.h, 1);
      if (!subtreeHash(this.data.get(tilePath(t))!, 0, t.w).equals(entry)) throw doesNotHash([t], this.tree);
      this.trusted.add(tilePath(t));
    }
    return this.data.get(tilePath(tile))!;
  }

  private parent(t: Tile): Tile {
    const n = Math.floor(t.n / 2 ** this.h);
    return { h: this.h, l: t.l + 1, n, w: widthIn(this.tree.n, this.h, t.l + 1, n) };
  }

  private async load(tiles: Tile[]): Promise<void> {
    const missing = tiles.filter((t) => !this.data.has(tilePath(t)));
    const loaded = await Promise.all(missing.map((t) => this.reader(t)));
    missing.forEach((t, i) => {
      checkHashTileSize(t, loaded[i]);
      this.data.set(tilePath(t), loaded[i]);
      this.read.push(t);
    });
  }
}

function checkHashTileSize(tile: Tile, data: Buffer): void {
  if (data.length !== tile.w * HASH_SIZE) throw new SumdbVerifyError(`tile ${tilePath(tile)} has ${data.length} bytes, not ${tile.w * HASH_SIZE}`);
}

/** Proves record `id` with text `record` is in `tree`, reading the hash tiles it needs; returns the tiles read. */
export async function proveRecord(tree: Tree, id: number, record: Buffer, read: TileReader): Promise<Tile[]> {
  if (!Number.isSafeInteger(id) || id < 0 || id >= tree.n) throw new SumdbVerifyError(`record ${id} is beyond the tree of size ${tree.n}`);
  const tiles = new TreeTiles(tree, TILE_HEIGHT, read);
  if (!(await tiles.hash(0, id)).equals(leafHash(record))) {
    throw new SumdbVerifyError(`record ${id} does not hash into the signed tree of size ${tree.n}`);
  }
  return tiles.read;
}

/**
 * Checks a tile's bytes against `tree`. A hash tile at the width the tree
 * gives it is checked as the go command checks it; a narrower partial one
 * (of an older tree) must be a prefix of that. A data tile must hold exactly
 * its w records, each followed by a blank line, whose leaf hashes are the
 * level-0 hash tile's entries. Returns the other tiles read.
 */
export async function verifyTile(tree: Tree, tile: Tile, data: Buffer, read: TileReader): Promise<Tile[]> {
  checkTile(tile);
  const hashLevel = Math.max(tile.l, 0);
  const width = widthIn(tree.n, tile.h, hashLevel, tile.n);
  if (tile.w > width) throw new SumdbVerifyError(`tile ${tilePath(tile)} is beyond the tree of size ${tree.n}`);
  const inTree: Tile = { ...tile, l: hashLevel, w: width };

  if (tile.l >= 0) {
    checkHashTileSize(tile, data);
    const tiles = new TreeTiles(tree, tile.h, read, tile.w === width ? { tile, data } : undefined);
    if (!(await tiles.tile(inTree)).subarray(0, data.length).equals(data)) throw doesNotHash([tile], tree);
    return tiles.read;
  }

  const records = splitDataTile(tile, data);
  const tiles = new TreeTiles(tree, tile.h, read);
  const hashes = await tiles.tile(inTree);
  records.forEach((record, i) => {
    if (!leafHash(record).equals(subtreeHash(hashes, i, 1))) {
      throw new SumdbVerifyError(`record ${tile.n * 2 ** tile.h + i} in tile ${tilePath(tile)} does not hash into the signed tree of size ${tree.n}`);
    }
  });
  return tiles.read;
}

/** A data tile's records: each record's text (ending in a newline, without blank lines) followed by a blank line. */
function splitDataTile(tile: Tile, data: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (records.length < tile.w) {
    const end = data.indexOf("\n\n", at);
    if (end < 0) break;
    records.push(data.subarray(at, end + 1));
    at = end + 2;
  }
  if (records.length !== tile.w || at !== data.length) throw new SumdbVerifyError(`tile ${tilePath(tile)} does not hold exactly ${tile.w} records`);
  return records;
}

/** Proves `older` is a prefix of `newer` (tree consistency), reading tiles of `newer`: `older`'s tree hash, recomputed from them, must match. */
export async function proveConsistency(older: Tree, newer: Tree, read: TileReader): Promise<Tile[]> {
  if (older.n > newer.n) throw new SumdbVerifyError(`the signed tree of size ${older.n} is larger than the signed tree of size ${newer.n}`);
  const notPrefix = () => new SumdbVerifyError(`the signed tree of size ${older.n} is not a prefix of the signed tree of size ${newer.n}`);
  if (older.n === newer.n) {
    if (!older.hash.equals(newer.hash)) throw notPrefix();
    return [];
  }
  const tiles = new TreeTiles(newer, TILE_HEIGHT, read);
  const hashes = [];
  for (const { level, index } of treeParts(older.n)) hashes.push(await tiles.hash(level, index));
  if (!foldParts(hashes).equals(older.hash)) throw notPrefix();
  return tiles.read;
}
