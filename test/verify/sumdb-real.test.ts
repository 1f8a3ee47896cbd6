import * as assert from "node:assert/strict";
import { flipByte } from "../support/tamper";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
  DEFAULT_SUMDB_VERIFIER_KEY,
  openSignedTree,
  parseLookup,
  parseTilePath,
  parseVerifierKey,
  proveConsistency,
  proveRecord,
  recordHashes,
  Tile,
  TileReader,
  tilePath,
  Tree,
  verifyTile,
} from "../../proxy-app/src/verify/sumdb-verify";

// Answers of the public checksum database, as the go command stored them
// (test/fixtures/sumdb-real/README.md says how they were got): two lookups
// signed at two tree sizes, the later note, and the tiles go read to check
// both records and that the earlier tree is a prefix of the later one.

const DIR = path.resolve(__dirname, "..", "fixtures", "sumdb-real");

const LOOKUPS = [
  {
    file: "lookup/github.com/google/uuid@v1.6.0",
    module: "github.com/google/uuid",
    version: "v1.6.0",
    id: 22152757,
    zip: "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=",
    mod: "h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=",
  },
  {
    file: "lookup/golang.org/x/text@v0.14.0",
    module: "golang.org/x/text",
    version: "v0.14.0",
    id: 20485573,
    zip: "h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=",
    mod: "h1:18ZOQIKpY8NJVqYksKHtTdi31H5itFRjB5/qKTNYzSU=",
  },
];

/** Tiles from the fixture only: a tile it lacks fails the test rather than being fetched. */
function storedTiles(alter: (t: Tile, data: Buffer) => Buffer = (_, data) => data): TileReader {
  return async (t) => alter(t, await fs.readFile(path.join(DIR, tilePath(t))));
}

async function storedTilePaths(): Promise<string[]> {
  const entries = await fs.readdir(path.join(DIR, "tile"), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(DIR, path.join(e.parentPath, e.name)))
    .sort();
}

describe("checksum database verification of the public database's stored answers", function () {
  const v = parseVerifierKey(DEFAULT_SUMDB_VERIFIER_KEY);
  let latest: Tree;
  let older: Tree;

  before(async function () {
    latest = openSignedTree(await fs.readFile(path.join(DIR, "latest")), v);
    older = parseLookup(await fs.readFile(path.join(DIR, LOOKUPS[0].file)), v).tree;
    assert.ok(older.n < latest.n);
  });

  for (const lookup of LOOKUPS) {
    it(`verifies the lookup of ${lookup.module}@${lookup.version} and proves its record from the stored tiles`, async function () {
      const answer = parseLookup(await fs.readFile(path.join(DIR, lookup.file)), v);
      assert.equal(answer.id, lookup.id);
      assert.deepEqual(recordHashes(answer.record, lookup.module, lookup.version), { zip: lookup.zip, mod: lookup.mod });
      const read = await proveRecord(answer.tree, answer.id, answer.record, storedTiles());
      assert.ok(read.length > 0);
      await proveRecord(latest, answer.id, answer.record, storedTiles());
    });
  }

  it("proves the earlier signed tree a prefix of the later one", async function () {
    const read = await proveConsistency(older, latest, storedTiles());
    assert.deepEqual(read.map(tilePath).sort(), [
      "tile/8/0/x259/112",
      "tile/8/0/x259/370.p/1",
      "tile/8/1/x001/012",
      "tile/8/1/x001/013.p/42",
      "tile/8/2/003.p/245",
      "tile/8/3/000.p/3",
    ]);
  });

  it("verifies every stored tile against the later tree, and those the earlier tree has against it", async function () {
    const beyondOlder: string[] = [];
    for (const file of await storedTilePaths()) {
      const tile = parseTilePath(file);
      const data = await fs.readFile(path.join(DIR, file));
      await verifyTile(latest, tile, data, storedTiles());
      await verifyTile(older, tile, data, storedTiles()).catch((err: Error) => {
        assert.match(err.message, new RegExp(`^tile ${file.replace(/\./g, "\\.")} is beyond the tree of size ${older.n}$`));
        beyondOlder.push(file);
      });
    }
    assert.deepEqual(beyondOlder, ["tile/8/0/x259/112", "tile/8/0/x259/370.p/1", "tile/8/1/x001/012", "tile/8/1/x001/013.p/42", "tile/8/2/003.p/245"]);
  });

  it("refuses any stored tile altered, whether verified itself or read for a proof", async function () {
    const [uuid] = LOOKUPS;
    const answer = parseLookup(await fs.readFile(path.join(DIR, uuid.file)), v);
    for (const file of await storedTilePaths()) {
      const tile = parseTilePath(file);
      const data = await fs.readFile(path.join(DIR, file));
      for (const at of [0, data.length - 1]) {
        await assert.rejects(verifyTile(latest, tile, flipByte(data, at, 0x80), storedTiles()), /not hash into the signed tree/, `${file} @${at}`);
      }
      await assert.rejects(verifyTile(latest, tile, data.subarray(32), storedTiles()), /bytes, not/, file);
    }
    for (const tile of await proveRecord(answer.tree, answer.id, answer.record, storedTiles())) {
      const altered = storedTiles((t, data) => (tilePath(t) === tilePath(tile) ? flipByte(data, 40, 0x80) : data));
      await assert.rejects(proveRecord(answer.tree, answer.id, answer.record, altered), /not hash into the signed tree of size 66332798/, tilePath(tile));
    }
  });

  it("refuses a stored lookup whose record, tree or signature was altered", async function () {
    const [uuid] = LOOKUPS;
    const body = (await fs.readFile(path.join(DIR, uuid.file))).toString();
    const answer = parseLookup(Buffer.from(body), v);

    const record = Buffer.from(answer.record.toString().replace(uuid.zip, uuid.zip.replace("NIva", "NIvb")));
    await assert.rejects(proveRecord(answer.tree, answer.id, record, storedTiles()), /record 22152757 does not hash into the signed tree of size 66332798/);
    await assert.rejects(proveRecord(answer.tree, answer.id + 1, answer.record, storedTiles()), /record 22152758 does not hash/);

    assert.throws(() => parseLookup(Buffer.from(body.replace(`\n${older.n}\n`, `\n${older.n + 1}\n`)), v), /bad signature by sum\.golang\.org/);
    const sig = body.slice(body.lastIndexOf(" ") + 1, -1);
    const sigBytes = Buffer.from(sig, "base64");
    sigBytes[30] ^= 1;
    assert.throws(() => parseLookup(Buffer.from(body.replace(sig, sigBytes.toString("base64"))), v), /bad signature by sum\.golang\.org/);

    // Another key under the same name, as an impostor would hold.
    const otherKey = parseVerifierKey("sum.golang.org+92e253f6+ARBAel+UUutt29lVk4BxioFmbEpN1z6YnY61zjPle2Yu");
    assert.throws(() => parseLookup(Buffer.from(body), otherKey), /not signed by sum\.golang\.org\+92e253f6/);
  });
});
