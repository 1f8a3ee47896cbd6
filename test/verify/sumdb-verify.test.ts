import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  openSignedTree,
  parseLookup,
  parseTilePath,
  parseVerifierKey,
  proveConsistency,
  proveRecord,
  recordHashes,
  SumdbVerifyError,
  Tile,
  TileReader,
  tilePath,
  Tree,
  verifyTile,
} from "../../proxy-app/src/verify/sumdb-verify";
import { SumdbRecord, startTestSumdb, TestSumdb } from "../support/sumdb";
import { flipByte } from "../support/tamper";

// Checked against test/fixtures/sumdb-server, a real Go checksum database
// (golang.org/x/mod/sumdb): whatever it signs and serves must verify, and
// any change to it must not.

/** Enough records for full and partial tiles at level 0, a partial one at level 1, and deep chains of height-2 tiles. */
const SIZE = 1234;

function testRecords(count: number, variant = ""): SumdbRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const module = `example.com/verify/m${i}`;
    const h1 = (what: string) => `h1:${createHash("sha256").update(`${variant}${what}${i}`).digest("base64")}`;
    return { module, version: "v1.0.0", goSumLines: [`${module} v1.0.0 ${h1("zip")}`, `${module} v1.0.0/go.mod ${h1("mod")}`] };
  });
}

function recordText(r: SumdbRecord): Buffer {
  return Buffer.from(`${r.goSumLines[0]}\n${r.goSumLines[1]}\n`);
}

async function get(db: TestSumdb, path: string): Promise<Buffer> {
  const res = await fetch(`${db.url}/${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Reads tiles from the database once each, keeping what it served so a test can alter it. */
function tileReader(db: TestSumdb, alter: (t: Tile, data: Buffer) => Buffer = (_, data) => data): TileReader {
  const cache = new Map<string, Promise<Buffer>>();
  return async (t) => {
    const path = tilePath(t);
    if (!cache.has(path)) cache.set(path, get(db, path));
    return alter(t, Buffer.from(await cache.get(path)!));
  };
}

/** Every tile of height h a tree of `size` records has, at its width in that tree, data tiles included. */
function allTiles(size: number, h: number): Tile[] {
  const tiles: Tile[] = [];
  for (let l = 0; Math.floor(size / 2 ** (l * h)) > 0; l++) {
    const hashes = Math.floor(size / 2 ** (l * h));
    for (let n = 0; n * 2 ** h < hashes; n++) {
      const w = Math.min(2 ** h, hashes - n * 2 ** h);
      tiles.push({ h, l, n, w });
      if (l === 0) tiles.push({ h, l: -1, n, w });
    }
  }
  return tiles;
}

describe("checksum database verification against a real Go checksum database", function () {
  const records = testRecords(SIZE);
  let db: TestSumdb;
  let tree: Tree;
  const started: TestSumdb[] = [];

  async function start(list: SumdbRecord[]): Promise<{ db: TestSumdb; tree: Tree }> {
    const started1 = await startTestSumdb(list);
    started.push(started1);
    return { db: started1, tree: openSignedTree(await get(started1, "latest"), parseVerifierKey(started1.vkey)) };
  }

  before(async function () {
    ({ db, tree } = await start(records));
    assert.equal(tree.n, SIZE);
  });

  after(async function () {
    await Promise.all(started.map((s) => s.close()));
  });

  describe("tile paths", function () {
    for (const [path, tile] of [
      ["tile/8/0/000", { h: 8, l: 0, n: 0, w: 256 }],
      ["tile/8/1/x001/234.p/5", { h: 8, l: 1, n: 1234, w: 5 }],
      ["tile/3/4/x001/x234/067.p/1", { h: 3, l: 4, n: 1234067, w: 1 }],
      ["tile/3/4/x001/x234/067", { h: 3, l: 4, n: 1234067, w: 8 }],
      ["tile/8/data/x002/000.p/255", { h: 8, l: -1, n: 2000, w: 255 }],
    ] as const) {
      it(`reads and writes ${path}`, () => {
        assert.deepEqual(parseTilePath(path), tile);
        assert.equal(tilePath(tile), path);
      });
    }

    for (const bad of [
      "",
      "/tile/8/0/000",
      "tile/8/0/00",
      "tile/8/0/0000",
      "tile/8/0/1000",
      "tile/8/0/x000/001",
      "tile/8/0/001/x002",
      "tile/8/0/001.p/0",
      "tile/8/0/001.p/256",
      "tile/8/0/001.p/01",
      "tile/8/00/001",
      "tile/8/-1/001",
      "tile/8/64/001",
      "tile/0/0/001",
      "tile/31/0/001",
      "tile/8/0/001/",
    ]) {
      it(`refuses the tile path ${JSON.stringify(bad)}`, () => assert.throws(() => parseTilePath(bad), SumdbVerifyError));
    }
  });

  describe("records", function () {
    it("proves every record into the signed tree, reading the tiles the go command reads", async function () {
      const served: string[] = [];
      const read = tileReader(db);
      const counting: TileReader = (t) => {
        served.push(tilePath(t));
        return read(t);
      };
      for (let id = 0; id < SIZE; id++) {
        for (const t of await proveRecord(tree, id, recordText(records[id]), counting)) assert.ok(served.includes(tilePath(t)));
      }
      // Record 5's proof reads the tree hash's tiles and the full level-0 tile it lies in.
      assert.deepEqual((await proveRecord(tree, 5, recordText(records[5]), read)).map(tilePath).sort(), [
        "tile/8/0/000",
        "tile/8/0/004.p/210",
        "tile/8/1/000.p/4",
      ]);
    });

    it("verifies lookups and reads the record's hashes", async function () {
      const v = parseVerifierKey(db.vkey);
      for (const id of [0, 255, 256, 700, SIZE - 1]) {
        const r = records[id];
        const answer = parseLookup(await get(db, `lookup/${r.module}@${r.version}`), v);
        assert.equal(answer.id, id);
        assert.deepEqual(answer.record, recordText(r));
        assert.deepEqual(answer.tree, tree);
        assert.deepEqual(answer.signedTree, await get(db, "latest"));
        assert.deepEqual(recordHashes(answer.record, r.module, r.version), { zip: r.goSumLines[0].split(" ")[2], mod: r.goSumLines[1].split(" ")[2] });
        await proveRecord(answer.tree, answer.id, answer.record, tileReader(db));
      }
    });

    it("refuses a record for another module or version, or missing a hash", function () {
      const r = records[3];
      assert.throws(() => recordHashes(recordText(r), "example.com/verify/m4", "v1.0.0"), /not one for example\.com\/verify\/m4@v1\.0\.0/);
      assert.throws(() => recordHashes(recordText(r), r.module, "v1.0.1"), SumdbVerifyError);
      assert.throws(() => recordHashes(Buffer.from(`${r.goSumLines[0]}\n`), r.module, r.version), /does not give both hashes/);
      assert.throws(() => recordHashes(Buffer.from(`${r.goSumLines[0]}\n${r.goSumLines[0]}\n`), r.module, r.version), SumdbVerifyError);
      assert.throws(() => recordHashes(Buffer.from(`${r.goSumLines[0]}\n${r.goSumLines[1]}`), r.module, r.version), SumdbVerifyError);
      assert.throws(() => recordHashes(Buffer.from(`${r.goSumLines[0]} x\n${r.goSumLines[1]}\n`), r.module, r.version), SumdbVerifyError);
    });

    it("refuses a record whose text or id does not match the tree", async function () {
      const read = tileReader(db);
      const altered = Buffer.from(recordText(records[7]).toString().replace("h1:", "h1:A"));
      await assert.rejects(proveRecord(tree, 7, altered, read), /record 7 does not hash into the signed tree of size 1234/);
      await assert.rejects(proveRecord(tree, 8, recordText(records[7]), read), /record 8 does not hash/);
      await assert.rejects(proveRecord(tree, SIZE, recordText(records[7]), read), /record 1234 is beyond the tree of size 1234/);
      await assert.rejects(proveRecord(tree, -1, recordText(records[7]), read), /beyond/);
    });

    it("refuses a record proven against the wrong tree", async function () {
      const other = await start(testRecords(SIZE, "other"));
      await assert.rejects(proveRecord(other.tree, 7, recordText(records[7]), tileReader(other.db)), /does not hash into the signed tree/);
      // Our tiles, but a tree hash they do not make up.
      const forged = { n: tree.n, hash: other.tree.hash };
      await assert.rejects(proveRecord(forged, 7, recordText(records[7]), tileReader(db)), /tiles tile\/8\/1\/000\.p\/4, tile\/8\/0\/004\.p\/210 do not hash/);
      // The tiles of a smaller tree, but the hash of ours.
      await assert.rejects(
        proveRecord({ n: 1000, hash: tree.hash }, 7, recordText(records[7]), tileReader(db)),
        /do not hash into the signed tree of size 1000/,
      );
    });

    it("refuses a proof through an altered, short or long tile", async function () {
      const record = recordText(records[5]);
      const alteredAt = (path: string, change: (data: Buffer) => Buffer) => tileReader(db, (t, data) => (tilePath(t) === path ? change(data) : data));
      await assert.rejects(
        proveRecord(
          tree,
          5,
          record,
          alteredAt("tile/8/0/000", (d) => flipByte(d, 100)),
        ),
        /tile tile\/8\/0\/000 does not hash into/,
      );
      await assert.rejects(
        proveRecord(
          tree,
          5,
          record,
          alteredAt("tile/8/0/000", (d) => flipByte(d, 5 * 32)),
        ),
        /does not hash into/,
      );
      await assert.rejects(
        proveRecord(
          tree,
          5,
          record,
          alteredAt("tile/8/1/000.p/4", (d) => flipByte(d, 0)),
        ),
        /do not hash into/,
      );
      await assert.rejects(
        proveRecord(
          tree,
          5,
          record,
          alteredAt("tile/8/0/004.p/210", (d) => flipByte(d, 32 * 209 + 31)),
        ),
        /do not hash into/,
      );
      await assert.rejects(
        proveRecord(
          tree,
          5,
          record,
          alteredAt("tile/8/0/000", (d) => d.subarray(1)),
        ),
        /tile tile\/8\/0\/000 has 8191 bytes, not 8192/,
      );
      await assert.rejects(
        proveRecord(
          tree,
          5,
          record,
          alteredAt("tile/8/1/000.p/4", (d) => Buffer.concat([d, d.subarray(0, 32)])),
        ),
        /has 160 bytes, not 128/,
      );
    });
  });

  describe("tiles", function () {
    for (const h of [8, 2]) {
      it(`verifies every tile of height ${h} the server serves, and returns the other tiles it read`, async function () {
        const read = tileReader(db);
        for (const tile of allTiles(SIZE, h)) {
          const others = await verifyTile(tree, tile, await get(db, tilePath(tile)), read);
          assert.ok(!others.some((t) => tilePath(t) === tilePath(tile)), tilePath(tile));
        }
      });
    }

    it("verifies partial tiles of an older, smaller tree as prefixes of this tree's", async function () {
      const read = tileReader(db);
      for (const path of ["tile/8/0/004.p/1", "tile/8/0/004.p/209", "tile/8/1/000.p/3", "tile/8/data/004.p/100", "tile/2/0/308.p/1", "tile/2/3/004.p/2"]) {
        const tile = parseTilePath(path);
        const others = await verifyTile(tree, tile, await get(db, path), read);
        if (tile.l >= 0)
          assert.ok(
            others.some((t) => t.l === tile.l && t.n === tile.n && t.w > tile.w),
            path,
          );
      }
    });

    it("verifies a data tile by its records' hashes", async function () {
      const data = await get(db, "tile/8/data/001");
      assert.equal(
        data.toString(),
        records
          .slice(256, 512)
          .map((r) => `${recordText(r)}\n`)
          .join(""),
      );
      assert.deepEqual((await verifyTile(tree, parseTilePath("tile/8/data/001"), data, tileReader(db))).map(tilePath).sort(), [
        "tile/8/0/001",
        "tile/8/0/004.p/210",
        "tile/8/1/000.p/4",
      ]);
    });

    it("refuses tiles beyond the tree", async function () {
      for (const path of [
        "tile/8/0/004",
        "tile/8/0/004.p/211",
        "tile/8/0/005.p/1",
        "tile/8/1/000.p/5",
        "tile/8/2/000.p/1",
        "tile/8/data/004",
        "tile/2/6/000.p/1",
      ]) {
        const tile = parseTilePath(path);
        const data = Buffer.alloc(tile.w * 32);
        await assert.rejects(verifyTile(tree, tile, data, tileReader(db)), new RegExp(`tile ${path.replace(/\./g, "\\.")} is beyond the tree of size 1234`));
      }
    });

    it("refuses a hash tile with a byte flipped, cut short or of the wrong width", async function () {
      const read = tileReader(db);
      for (const path of ["tile/8/0/001", "tile/8/0/004.p/210", "tile/8/1/000.p/4", "tile/2/1/003", "tile/2/4/000.p/1", "tile/8/0/004.p/7"]) {
        const tile = parseTilePath(path);
        const data = await get(db, path);
        for (const at of [0, data.length - 1]) {
          await assert.rejects(verifyTile(tree, tile, flipByte(data, at), read), /not hash into the signed tree of size 1234/, `${path} @${at}`);
        }
        await assert.rejects(verifyTile(tree, tile, data.subarray(0, data.length - 1), read), /bytes, not/, path);
        await assert.rejects(verifyTile(tree, tile, data.subarray(0, data.length - 32), read), /bytes, not/, path);
      }
      // A full tile's bytes passed off as another tile's.
      await assert.rejects(verifyTile(tree, parseTilePath("tile/8/0/002"), await get(db, "tile/8/0/001"), read), /does not hash/);
      // A narrower tile's bytes passed off as the wider one.
      const narrower = await get(db, "tile/8/0/004.p/209");
      await assert.rejects(verifyTile(tree, parseTilePath("tile/8/0/004.p/210"), narrower, read), /has 6688 bytes, not 6720/);
      await assert.rejects(verifyTile(tree, parseTilePath("tile/8/0/004.p/210"), Buffer.concat([narrower, Buffer.alloc(32)]), read), /do not hash/);
    });

    it("refuses a tile whose parents do not hash into the tree", async function () {
      const path = "tile/2/0/005";
      const data = await get(db, path);
      const read = tileReader(db, (t, d) => (tilePath(t) === "tile/2/1/001" ? flipByte(d, 64) : d));
      await assert.rejects(verifyTile(tree, parseTilePath(path), data, read), /tile tile\/2\/1\/001 does not hash/);
    });

    it("refuses an altered data tile", async function () {
      const tile = parseTilePath("tile/8/data/004.p/210");
      const data = await get(db, tilePath(tile));
      const read = tileReader(db);
      const text = data.toString();
      const altered = Buffer.from(text.replace("m1030 v1.0.0 h1:", "m1030 v1.0.0 h1:x"));
      await assert.rejects(verifyTile(tree, tile, altered, read), /record 1030 in tile tile\/8\/data\/004\.p\/210 does not hash into/);
      const swapped = Buffer.from(text.replace(/^(.*\n.*\n\n)(.*\n.*\n\n)/, "$2$1"));
      await assert.rejects(verifyTile(tree, tile, swapped, read), /record 1024 in tile/);
      await assert.rejects(verifyTile(tree, tile, data.subarray(0, data.length - 1), read), /does not hold exactly 210 records/);
      await assert.rejects(verifyTile(tree, tile, Buffer.concat([data, Buffer.from("x\n\n")]), read), /does not hold exactly 210 records/);
      await assert.rejects(verifyTile(tree, { ...tile, w: 211 }, data, read), /beyond/);
    });
  });

  describe("signed trees", function () {
    it("refuses a lookup whose signature was altered", async function () {
      const r = records[9];
      const body = await get(db, `lookup/${r.module}@${r.version}`);
      const sigAt = body.lastIndexOf(" ") + 10;
      await assert.rejects(async () => parseLookup(flipByte(body, sigAt), parseVerifierKey(db.vkey)), SumdbVerifyError);
      const text = body.toString();
      const altered = Buffer.from(text.replace(`\n${SIZE}\n`, `\n${SIZE + 1}\n`));
      assert.throws(() => parseLookup(altered, parseVerifierKey(db.vkey)), /bad signature/);
    });

    it("refuses a lookup that is not a record and a signed tree", async function () {
      const r = records[9];
      const body = (await get(db, `lookup/${r.module}@${r.version}`)).toString();
      const v = parseVerifierKey(db.vkey);
      for (const bad of [
        body.replace(/^9\n/, "09\n"),
        body.replace(/^9\n/, "x\n"),
        body.replace(/^9\n/, ""),
        body.replace("/go.mod", "/go.mod\t"),
        body.slice(0, 20),
      ]) {
        assert.throws(() => parseLookup(Buffer.from(bad), v), SumdbVerifyError, JSON.stringify(bad));
      }
    });

    it("refuses a note signed by another key, and accepts ours beside it", async function () {
      // Two databases of the same records sign the same tree text, each with its own key.
      const twin = await start(records);
      const ours = await get(db, "latest");
      const theirs = await get(twin.db, "latest");
      assert.throws(() => openSignedTree(theirs, parseVerifierKey(db.vkey)), /not signed by sum\.test\.example\+/);
      const theirSignature = theirs.subarray(theirs.lastIndexOf("\n\n") + 2);
      const both = Buffer.concat([theirs, ours.subarray(ours.lastIndexOf("\n\n") + 2)]);
      assert.deepEqual(openSignedTree(both, parseVerifierKey(db.vkey)), tree);
      assert.deepEqual(openSignedTree(Buffer.concat([ours, theirSignature]), parseVerifierKey(twin.db.vkey)), tree);
    });
  });

  describe("tree consistency", function () {
    for (const size of [1, 255, 256, 257, 300, 512, 1024, SIZE - 1, SIZE]) {
      it(`proves a tree of ${size} records is a prefix of the tree of ${SIZE}`, async function () {
        const older = await start(records.slice(0, size));
        assert.equal(older.tree.n, size);
        await proveConsistency(older.tree, tree, tileReader(db));
      });
    }

    it("proves the empty tree is a prefix of any", async function () {
      const empty = { n: 0, hash: createHash("sha256").digest() };
      assert.deepEqual(await proveConsistency(empty, tree, tileReader(db)), []);
      await assert.rejects(proveConsistency({ n: 0, hash: tree.hash }, tree, tileReader(db)), /not a prefix/);
    });

    it("refuses a tree of other records, a larger tree and an altered tile", async function () {
      const other = await start([...records.slice(0, 299), ...testRecords(300, "other").slice(299)]);
      await assert.rejects(proveConsistency(other.tree, tree, tileReader(db)), /the signed tree of size 300 is not a prefix of the signed tree of size 1234/);
      const differentAtSameSize = await start(testRecords(SIZE, "other"));
      await assert.rejects(proveConsistency(differentAtSameSize.tree, tree, tileReader(db)), /not a prefix/);
      await assert.rejects(proveConsistency(tree, other.tree, tileReader(other.db)), /is larger than/);

      const older = await start(records.slice(0, 300));
      const read = tileReader(db, (t, d) => (tilePath(t) === "tile/8/0/001" ? flipByte(d, 7) : d));
      await assert.rejects(proveConsistency(older.tree, tree, read), /tile tile\/8\/0\/001 does not hash/);
    });
  });
});
