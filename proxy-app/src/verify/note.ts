import { isUtf8 } from "node:buffer";
import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";
import { SumdbVerifyError } from "./error";

/**
 * Signed notes (golang.org/x/mod/sumdb/note) and the tree heads they carry
 * (golang.org/x/mod/sumdb/tlog), read the way the go command reads them.
 */

/** The well-known verifier key of the default database, as the go command knows it. */
export const DEFAULT_SUMDB_VERIFIER_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/** A tree head: the log's size and its RFC 6962 tree hash. */
export interface Tree {
  n: number;
  /** 32 bytes. */
  hash: Buffer;
}

export interface Verifier {
  readonly name: string;
  verify(msg: Buffer, sig: Buffer): boolean;
  readonly keyHash: number;
}

/** The only key type notes have: Ed25519, algorithm byte 1. */
const ALG_ED25519 = 1;
const ED25519_SIGNATURE_SIZE = 64;
/** The go command gives up on a note with more signatures than this, so a hostile note cannot keep it busy. */
const MAX_SIGNATURES = 100;
/** The longest tree note text the go command parses. */
const MAX_TREE_NOTE_TEXT = 1_000_000;
const SIGNATURE_PREFIX = "\u2014 ";
const TREE_PREFIX = "go.sum database tree\n";
/** The characters Go's unicode.IsSpace accepts: none may appear in a key name. */
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
/** Standard base64 with padding, as Go's base64.StdEncoding insists on (Buffer.from alone skips bad characters). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, "base64") : undefined;
}

/** A record id or tree size in its one canonical spelling, or undefined. */
export function parseCount(text: string): number | undefined {
  const n = Number(text);
  return DECIMAL.test(text) && Number.isSafeInteger(n) ? n : undefined;
}

/** Note and record text is UTF-8 without control characters other than newline. */
export function isNoteText(bytes: Buffer): boolean {
  return isUtf8(bytes) && bytes.every((b) => b >= 0x20 || b === 0x0a);
}

function isKeyName(name: string): boolean {
  return name !== "" && !SPACE.test(name) && !name.includes("+");
}

/** The first four bytes, big-endian, of sha256(name, newline, algorithm byte and key): how a signature line names its key. */
function keyHashOf(name: string, key: Buffer): number {
  return createHash("sha256").update(`${name}\n`).update(key).digest().readUInt32BE(0);
}

/** Parses "name+hash+base64key" (Ed25519 only, algorithm byte 1); checks the key hash; throws SumdbVerifyError. */
export function parseVerifierKey(vkey: string): Verifier {
  const plus = vkey.indexOf("+");
  const plus2 = plus < 0 ? -1 : vkey.indexOf("+", plus + 1);
  if (plus2 < 0) throw new SumdbVerifyError(`verifier key "${vkey}" is not of the form name+hash+key`);
  const name = vkey.slice(0, plus);
  const hashHex = vkey.slice(plus + 1, plus2);
  const key = decodeBase64(vkey.slice(plus2 + 1));
  if (!isKeyName(name) || !/^[0-9a-fA-F]{8}$/.test(hashHex) || !key || key.length === 0) {
    throw new SumdbVerifyError(`verifier key "${vkey}" is not of the form name+hash+key`);
  }
  const keyHash = parseInt(hashHex, 16);
  if (keyHashOf(name, key) !== keyHash) throw new SumdbVerifyError(`verifier key "${vkey}" does not match its key hash`);
  if (key[0] !== ALG_ED25519 || key.length !== 33) throw new SumdbVerifyError(`verifier key "${vkey}" is not an Ed25519 key`);
  const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: key.subarray(1).toString("base64url") }, format: "jwk" });
  return {
    name,
    keyHash,
    verify: (msg, sig) => sig.length === ED25519_SIGNATURE_SIZE && verifySignature(null, msg, publicKey, sig),
  };
}

/**
 * Verifies a signed note "go.sum database tree\nN\nbase64hash\n\n— name sig\n"
 * and parses the tree. Signatures by other keys are ignored; one by `v` must
 * be there and valid, and a bad one by `v` refuses the note, as note.Open does.
 */
export function openSignedTree(signed: Buffer, v: Verifier): Tree {
  if (!isNoteText(signed)) throw new SumdbVerifyError("signed tree note is not UTF-8 text without control characters");
  const split = signed.lastIndexOf("\n\n");
  const sigs = split < 0 ? "" : signed.subarray(split + 2).toString("utf8");
  if (!sigs.endsWith("\n")) throw new SumdbVerifyError("signed tree note has no signature block");
  // The signature covers the text up to and including its final newline, not the blank line after it.
  const text = signed.subarray(0, split + 1);
  const lines = sigs.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new SumdbVerifyError(`signed tree note has more than ${MAX_SIGNATURES} signatures`);
  let verified = false;
  for (const line of lines) {
    const space = line.indexOf(" ", SIGNATURE_PREFIX.length);
    const name = line.slice(SIGNATURE_PREFIX.length, space);
    const sig = space < 0 ? undefined : decodeBase64(line.slice(space + 1));
    if (!line.startsWith(SIGNATURE_PREFIX) || !isKeyName(name) || !sig || sig.length < 5) {
      throw new SumdbVerifyError(`signed tree note has a malformed signature line "${line}"`);
    }
    // Others' signatures are not ours to judge; repeats of ours count once, as note.Open counts them.
    if (name !== v.name || sig.readUInt32BE(0) !== v.keyHash || verified) continue;
    if (!v.verify(text, sig.subarray(4))) throw new SumdbVerifyError(`signed tree note has a bad signature by ${v.name}`);
    verified = true;
  }
  if (!verified) throw new SumdbVerifyError(`signed tree note is not signed by ${v.name}+${v.keyHash.toString(16).padStart(8, "0")}`);
  return parseTree(text);
}

/** The tree a verified note's text describes; lines after the hash are for future versions and are ignored. */
function parseTree(text: Buffer): Tree {
  const lines = text.toString("utf8").split("\n");
  const n = parseCount(lines[1] ?? "");
  const hash = decodeBase64(lines[2] ?? "");
  if (!text.toString("utf8").startsWith(TREE_PREFIX) || lines.length < 4 || text.length > MAX_TREE_NOTE_TEXT || n === undefined || hash?.length !== 32) {
    throw new SumdbVerifyError("signed note is not a go.sum database tree");
  }
  return { n, hash };
}
