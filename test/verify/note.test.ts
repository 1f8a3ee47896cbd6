import * as assert from "node:assert/strict";
import { createHash, generateKeyPairSync, KeyObject, sign } from "node:crypto";
import { SumdbVerifyError } from "../../proxy-app/src/verify/error";
import { DEFAULT_SUMDB_VERIFIER_KEY, openSignedTree, parseVerifierKey } from "../../proxy-app/src/verify/note";

/** A note signer made here, so a test can sign any text, well-formed or not, under any name. */
function testSigner(name: string): { vkey: string; keyHash: number; sigLine(text: string): string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const key = Buffer.concat([Buffer.of(1), Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url")]);
  const keyHash = createHash("sha256").update(`${name}\n`).update(key).digest().readUInt32BE(0);
  return {
    vkey: `${name}+${keyHash.toString(16).padStart(8, "0")}+${key.toString("base64")}`,
    keyHash,
    sigLine: (text) => `\u2014 ${name} ${signature(keyHash, privateKey, text).toString("base64")}\n`,
  };
}

function signature(keyHash: number, privateKey: KeyObject, text: string): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(keyHash);
  return Buffer.concat([prefix, sign(null, Buffer.from(text), privateKey)]);
}

const HASH = createHash("sha256").update("tree").digest();
const TREE_TEXT = `go.sum database tree\n1234\n${HASH.toString("base64")}\n`;

describe("checksum database notes", () => {
  const ours = testSigner("sum.test.example");
  const other = testSigner("other.test.example");
  const v = parseVerifierKey(ours.vkey);
  const note = (text: string, ...sigLines: string[]) => Buffer.from(`${text}\n${sigLines.join("")}`);

  it("knows the default database's key as the go command does", () => {
    const key = parseVerifierKey(DEFAULT_SUMDB_VERIFIER_KEY);
    assert.equal(key.name, "sum.golang.org");
    assert.equal(key.keyHash, 0x033de0ae);
  });

  it("parses a verifier key and checks its hash", () => {
    assert.equal(v.name, "sum.test.example");
    assert.equal(v.keyHash, ours.keyHash);
    // The base64 key may hold "+" itself.
    const [, name, hash, key] = /^([^+]*)\+([^+]*)\+(.*)$/.exec(ours.vkey)!;
    const wrongHash = ((parseInt(hash, 16) + 1) >>> 0).toString(16).padStart(8, "0");
    assert.throws(() => parseVerifierKey(`${name}+${wrongHash}+${key}`), /does not match its key hash/);
    assert.throws(() => parseVerifierKey(`other.name+${hash}+${key}`), /does not match its key hash/);
  });

  it("refuses keys of another algorithm or length", () => {
    for (const key of [Buffer.concat([Buffer.of(2), Buffer.alloc(32, 7)]), Buffer.concat([Buffer.of(1), Buffer.alloc(31, 7)])]) {
      const keyHash = createHash("sha256").update("n\n").update(key).digest().readUInt32BE(0);
      assert.throws(() => parseVerifierKey(`n+${keyHash.toString(16).padStart(8, "0")}+${key.toString("base64")}`), /not an Ed25519 key/);
    }
  });

  for (const bad of ["", "name", "name+033de0ae", "+033de0ae+AQ==", "na me+033de0ae+AQ==", "name+33de0ae+AQ==", "name+033de0ae+AQ", "name+033de0ae+A?Q="]) {
    it(`refuses the verifier key ${JSON.stringify(bad)}`, () => assert.throws(() => parseVerifierKey(bad), SumdbVerifyError));
  }

  it("opens a tree note signed by our key", () => {
    assert.deepEqual(openSignedTree(note(TREE_TEXT, ours.sigLine(TREE_TEXT)), v), { n: 1234, hash: HASH });
  });

  it("ignores signatures by other keys and repeats of ours", () => {
    const signed = note(
      TREE_TEXT,
      other.sigLine(TREE_TEXT),
      ours.sigLine(TREE_TEXT),
      ours.sigLine(TREE_TEXT),
      `\u2014 unknown.example ${Buffer.alloc(68).toString("base64")}\n`,
    );
    assert.equal(openSignedTree(signed, v).n, 1234);
  });

  it("ignores lines after the tree hash, which later versions may add", () => {
    const text = `${TREE_TEXT}future line\n`;
    assert.deepEqual(openSignedTree(note(text, ours.sigLine(text)), v), { n: 1234, hash: HASH });
  });

  it("refuses a note signed only by another key", () => {
    assert.throws(() => openSignedTree(note(TREE_TEXT, other.sigLine(TREE_TEXT)), v), /not signed by sum\.test\.example\+/);
  });

  it("refuses a note whose text or signature was altered", () => {
    const altered = TREE_TEXT.replace("1234", "1235");
    assert.throws(() => openSignedTree(note(altered, ours.sigLine(TREE_TEXT)), v), /bad signature by sum\.test\.example/);
    const line = ours.sigLine(TREE_TEXT);
    const sig = Buffer.from(line.split(" ")[2], "base64");
    sig[10] ^= 1;
    assert.throws(() => openSignedTree(note(TREE_TEXT, `\u2014 sum.test.example ${sig.toString("base64")}\n`), v), /bad signature/);
  });

  it("refuses a bad signature by our key even beside a good one", () => {
    const forged = ours.sigLine(TREE_TEXT.replace("1234", "1"));
    assert.throws(() => openSignedTree(note(TREE_TEXT, forged, ours.sigLine(TREE_TEXT)), v), /bad signature/);
  });

  for (const [what, signed] of [
    ["no blank line before the signatures", Buffer.from(`${TREE_TEXT}sig\n`)],
    ["a signature block without final newline", Buffer.from(`${TREE_TEXT}\n${ours.sigLine(TREE_TEXT).trimEnd()}`)],
    ["a signature line without the em dash", Buffer.from(`${TREE_TEXT}\n${ours.sigLine(TREE_TEXT).replace("\u2014", "-")}`)],
    ["a control character", Buffer.from(`${TREE_TEXT.replace("tree", "tree\t")}\n${ours.sigLine(TREE_TEXT)}`)],
    ["invalid UTF-8", Buffer.concat([Buffer.from(TREE_TEXT), Buffer.of(0xff, 0x0a, 0x0a), Buffer.from(ours.sigLine(TREE_TEXT))])],
    ["too many signatures", note(TREE_TEXT, ...Array<string>(101).fill(other.sigLine(TREE_TEXT)))],
  ] as const) {
    it(`refuses a note with ${what}`, () => assert.throws(() => openSignedTree(signed, v), SumdbVerifyError));
  }

  for (const text of [
    `go.sum database tree v2\n1234\n${HASH.toString("base64")}\n`,
    `go.sum database tree\n01234\n${HASH.toString("base64")}\n`,
    `go.sum database tree\n-1\n${HASH.toString("base64")}\n`,
    `go.sum database tree\n1234\n${HASH.subarray(1).toString("base64")}\n`,
    "go.sum database tree\n1234\n",
  ]) {
    it(`refuses the signed tree text ${JSON.stringify(text)}`, () => {
      assert.throws(() => openSignedTree(note(text, ours.sigLine(text)), v), /not a go\.sum database tree/);
    });
  }
});
