import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { crc32, createInflateRaw, inflateRawSync } from "node:zlib";

/**
 * Checks a module zip the way the go command will when it downloads it
 * (golang.org/x/mod/zip CheckZip and Unzip, archive/zip's reader) and
 * computes its go.sum hash (golang.org/x/mod/sumdb/dirhash HashZip), so the
 * proxy never publishes a zip that go would refuse or hash differently.
 */

/** Go's limits (golang.org/x/mod/zip): MaxZipFile 500 MiB, MaxGoMod 16 MiB, MaxLICENSE 16 MiB. */
export const MAX_ZIP_FILE = 500 << 20;
export const MAX_GO_MOD = 16 << 20;
export const MAX_LICENSE = 16 << 20;

/** The zip or .mod breaks a rule; the message is short and says what, for a user (no stack, no bytes). */
export class InvalidModuleContentError extends Error {}

export interface CheckedZip {
  hash: string /* "h1:..." */;
  goMod: Buffer | undefined /* bytes of <prefix>go.mod if present */;
}

const LOCAL_HEADER_SIG = 0x04034b50;
const CENTRAL_HEADER_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const END64_SIG = 0x06064b50;
const END64_LOCATOR_SIG = 0x07064b50;
const DATA_DESCRIPTOR_SIG = 0x08074b50;
const LOCAL_HEADER_LEN = 30;
const CENTRAL_HEADER_LEN = 46;
const END_LEN = 22;
const END64_LOCATOR_LEN = 20;
const END64_LEN = 56;
const ZIP64_EXTRA_ID = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x8;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
/** archive/zip looks for the end record in the file's last 65 KiB: room for the longest comment. */
const END_SEARCH_LEN = 65 * 1024;
const READ_CHUNK = 64 << 10;
const WINDOW_LEN = 1 << 20;
/** Entries up to this size, compressed and declared, are read and inflated whole rather than streamed. */
const WHOLE_ENTRY_LEN = 1 << 20;
const SHOWN_NAME_LEN = 200;

interface Entry {
  rawName: Buffer;
  /** rawName decoded; exact once the name checks have passed. */
  name: string;
  /** archive/zip treats every name ending in "/" as a directory, whatever its attributes say. */
  isDir: boolean;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  headerOffset: number;
}

interface CentralDirectory {
  offset: number;
  size: number;
  records: number;
}

function invalid(message: string): InvalidModuleContentError {
  return new InvalidModuleContentError(message);
}

function show(name: string): string {
  return JSON.stringify(name.length > SHOWN_NAME_LEN ? name.slice(0, SHOWN_NAME_LEN) + "…" : name);
}

/** Reads exactly `length` bytes at `position`. */
async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  for (let done = 0; done < length;) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw invalid("module zip is truncated");
    done += bytesRead;
  }
  return buffer;
}

/** Beyond 2^53 the value is inexact, but it is then far past every limit and every offset check. */
function readUInt64(buffer: Buffer, offset: number): number {
  return Number(buffer.readBigUInt64LE(offset));
}

/** Like archive/zip: the last end-record signature in the tail, refused if its comment would run past the file. */
function findEndRecord(tail: Buffer): number {
  for (let i = tail.length - END_LEN; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== END_SIG) continue;
    return i + END_LEN + tail.readUInt16LE(i + END_LEN - 2) <= tail.length ? i : -1;
  }
  return -1;
}

async function readCentralDirectoryEnd(fh: FileHandle, fileSize: number): Promise<CentralDirectory> {
  const tailLength = Math.min(fileSize, END_SEARCH_LEN);
  const tail = await readAt(fh, fileSize - tailLength, tailLength);
  const at = findEndRecord(tail);
  if (at < 0) {
    const head = fileSize >= 4 ? await readAt(fh, 0, 4) : undefined;
    if (head?.readUInt32LE(0) === LOCAL_HEADER_SIG) throw invalid("module zip is truncated: it has no end of central directory record");
    throw invalid("not a zip file");
  }
  let endOffset = fileSize - tailLength + at;
  let records = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  // The same test as archive/zip (size 0xffff included) so both read the same directory.
  if (records === 0xffff || size === 0xffff || offset === 0xffffffff) {
    const locatorOffset = endOffset - END64_LOCATOR_LEN;
    const locator = locatorOffset >= 0 ? await readAt(fh, locatorOffset, END64_LOCATOR_LEN) : undefined;
    if (locator?.readUInt32LE(0) === END64_LOCATOR_SIG && locator.readUInt32LE(4) === 0 && locator.readUInt32LE(16) === 1) {
      const end64Offset = readUInt64(locator, 8);
      if (end64Offset + END64_LEN > locatorOffset) throw invalid("module zip is corrupt: bad ZIP64 end of central directory locator");
      const end64 = await readAt(fh, end64Offset, END64_LEN);
      if (end64.readUInt32LE(0) !== END64_SIG) throw invalid("module zip is corrupt: no ZIP64 end of central directory record");
      endOffset = end64Offset;
      records = readUInt64(end64, 32);
      size = readUInt64(end64, 40);
      offset = readUInt64(end64, 48);
    }
  }
  // archive/zip also accepts data prepended to the zip (self-extracting archives); a module zip has none,
  // and requiring the directory to end at the end record keeps our reading and Go's the same.
  if (offset + size !== endOffset) throw invalid("module zip is corrupt: the central directory is not where the end record says");
  return { offset, size, records };
}

/**
 * Reads through a window of the file that moves forward, so the many small
 * headers and files of a zip cost few reads, and a large central directory is
 * never held whole. `end` is where reading ahead stops.
 */
class FileWindow {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    readonly fh: FileHandle,
    private readonly end: number,
  ) {}

  /** The bytes at position; a view into the window, which is replaced, never overwritten. */
  async bytes(position: number, length: number): Promise<Buffer> {
    if (position < this.start || position + length > this.start + this.buffer.length) {
      this.buffer = await readAt(this.fh, position, Math.max(length, Math.min(WINDOW_LEN, this.end - position)));
      this.start = position;
    }
    return this.buffer.subarray(position - this.start, position - this.start + length);
  }
}

/** Like archive/zip: 32-bit fields that are all ones come from the ZIP64 extra field, in this order. */
function applyZip64Extra(entry: Entry, extra: Buffer): void {
  let needSize = entry.size === 0xffffffff;
  let needCompressedSize = entry.compressedSize === 0xffffffff;
  let needOffset = entry.headerOffset === 0xffffffff;
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const fieldEnd = at + 4 + extra.readUInt16LE(at + 2);
    if (fieldEnd > extra.length) break;
    let field = at + 4;
    const next = (): number => {
      if (field + 8 > fieldEnd) throw invalid(`module zip is corrupt: short ZIP64 field for ${show(entry.name)}`);
      field += 8;
      return readUInt64(extra, field - 8);
    };
    if (id === ZIP64_EXTRA_ID) {
      if (needSize) entry.size = next();
      if (needCompressedSize) entry.compressedSize = next();
      if (needOffset) entry.headerOffset = next();
      needSize = needCompressedSize = needOffset = false;
    }
    at = fieldEnd;
  }
  // archive/zip keeps an uncompressed size of 0xffffffff without ZIP64 (old 42.zip-style archives), not the others.
  if (needCompressedSize || needOffset) throw invalid(`module zip is corrupt: missing ZIP64 field for ${show(entry.name)}`);
}

async function readEntries(fh: FileHandle, directory: CentralDirectory): Promise<Entry[]> {
  const end = directory.offset + directory.size;
  const window = new FileWindow(fh, end);
  const entries: Entry[] = [];
  const runsPast = (): InvalidModuleContentError => invalid("module zip is corrupt: a central directory header runs past the directory");
  for (let position = directory.offset; position < end;) {
    if (position + CENTRAL_HEADER_LEN > end) throw runsPast();
    const header = await window.bytes(position, CENTRAL_HEADER_LEN);
    if (header.readUInt32LE(0) !== CENTRAL_HEADER_SIG) throw invalid("module zip is corrupt: bad central directory header");
    const nameLength = header.readUInt16LE(28);
    const extraLength = header.readUInt16LE(30);
    const variableLength = nameLength + extraLength + header.readUInt16LE(32);
    position += CENTRAL_HEADER_LEN;
    if (position + variableLength > end) throw runsPast();
    const variable = await window.bytes(position, variableLength);
    position += variableLength;
    // Copied: a view would pin the window's whole buffer for as long as the entry lives.
    const rawName = Buffer.from(variable.subarray(0, nameLength));
    const name = rawName.toString("utf8");
    const entry: Entry = {
      rawName,
      name,
      isDir: name.endsWith("/"),
      flags: header.readUInt16LE(8),
      method: header.readUInt16LE(10),
      crc: header.readUInt32LE(16),
      compressedSize: header.readUInt32LE(20),
      size: header.readUInt32LE(24),
      headerOffset: header.readUInt32LE(42),
    };
    applyZip64Extra(entry, variable.subarray(nameLength, nameLength + extraLength));
    entries.push(entry);
  }
  // archive/zip compares only the low 16 bits: writers without ZIP64 truncate the count.
  if (entries.length % 0x10000 !== directory.records % 0x10000) {
    throw invalid(`module zip is corrupt: the end record says ${directory.records} entries, the central directory has ${entries.length}`);
  }
  return entries;
}

const FILE_NAME_CHAR = /^[\p{L}0-9!#$%&()+,.=@[\]^_{}~ -]$/u;
/** Without the u flag, /i matches no non-ASCII letter to these ASCII names; Go's EqualFold would only via K and S, which they lack. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i;

/**
 * What module.CheckFilePath finds wrong with a file path, if anything. It also
 * covers CheckZip's path.Clean test: an unclean path always has an empty or
 * all-dots element. Letters are V8's Unicode letters, which may include ones
 * newer than the Go toolchain's tables.
 */
function filePathProblem(path: string): string | undefined {
  for (const element of path.split("/")) {
    if (element === "") return "empty path element (leading, trailing or double slash)";
    if (/^\.+$/.test(element)) return `path element ${show(element)} is not allowed`;
    if (element.endsWith(".")) return `path element ${show(element)} ends in a dot`;
    for (const char of element) {
      if (!FILE_NAME_CHAR.test(char)) return `character ${show(char)} is not allowed`;
    }
    const short = element.split(".")[0];
    if (WINDOWS_RESERVED.test(short)) return `${show(short)} is a reserved name on Windows`;
  }
  return undefined;
}

/**
 * Go compares names under Unicode simple case folding (strings.EqualFold).
 * Per code point, lower-case of upper-case reaches the same representative for
 * every folding pair Go knows; checked against Go's unicode.SimpleFold over all
 * code points, it merges no more than Go except for characters newer than Go's
 * Unicode tables (which Go refuses in file names anyway).
 */
function foldChar(char: string): string {
  // Dotless ı upper-cases to I, but simple case folding leaves it alone.
  if (char === "\u0131") return char;
  const upper = char.toUpperCase();
  if (isOneCodePoint(upper)) {
    const lower = upper.toLowerCase();
    return isOneCodePoint(lower) ? lower : upper;
  }
  // ß upper-cases to "SS" and ᾳ to "ΑΙ" (full mappings); their folding partners lower-case to them.
  const lower = char.toLowerCase();
  return isOneCodePoint(lower) ? lower : char;
}

function isOneCodePoint(s: string): boolean {
  return s.length === 1 || (s.length === 2 && (s.codePointAt(0) ?? 0) > 0xffff);
}

function foldCase(s: string): string {
  let folded = "";
  for (const char of s) folded += foldChar(char);
  return folded;
}

/** CheckZip's collision rule: names may not collide under case folding, nor be both a file and a directory. */
function checkCollisions(seen: Map<string, { path: string; isDir: boolean }>, path: string, isDir: boolean): void {
  // A loop, not recursion over parents: a 64 KiB name may have thousands of them.
  for (let p = path, dir = isDir; ; dir = true) {
    const key = foldCase(p);
    const other = seen.get(key);
    if (other) {
      if (other.path !== p) throw invalid(`module zip has files ${show(other.path)} and ${show(p)}, which differ only in letter case`);
      if (other.isDir !== dir) throw invalid(`module zip has ${show(p)} both as a file and as a directory`);
      if (!dir) throw invalid(`module zip has the file ${show(p)} twice`);
      // A directory seen before had its parents recorded then.
      return;
    }
    seen.set(key, { path: p, isDir: dir });
    const slash = p.lastIndexOf("/");
    if (slash < 0) return;
    p = p.slice(0, slash);
  }
}

/** Everything CheckZip (and archive/zip's Open) judges from the central directory alone, before any data is read. */
function checkEntries(entries: Entry[], prefix: string): void {
  const prefixBytes = Buffer.from(prefix, "utf8");
  const seen = new Map<string, { path: string; isDir: boolean }>();
  let total = 0;
  for (const entry of entries) {
    if (!entry.rawName.subarray(0, prefixBytes.length).equals(prefixBytes)) {
      throw invalid(`module zip file ${show(entry.name)} is not under ${show(prefix)}`);
    }
    if (!isUtf8(entry.rawName)) throw invalid(`module zip has a file name that is not valid UTF-8, under ${show(prefix)}`);
    // archive/zip opens a directory without reading data, and refuses one that declares content.
    if (entry.isDir && entry.size !== 0) throw invalid(`module zip directory ${show(entry.name)} has content`);
    let path = entry.name.slice(prefix.length);
    if (path === "") continue;
    if (entry.isDir) path = path.slice(0, -1);
    const problem = filePathProblem(path);
    if (problem !== undefined) throw invalid(`module zip file ${show(entry.name)} has an invalid path: ${problem}`);
    checkCollisions(seen, path, entry.isDir);
    if (entry.isDir) continue;
    if (entry.method !== METHOD_STORE && entry.method !== METHOD_DEFLATE) {
      throw invalid(`module zip file ${show(entry.name)} is compressed with method ${entry.method}; only store (0) and deflate (8) are allowed`);
    }
    // toLowerCase is exact here: no non-ASCII character lower-cases into "go.mod".
    const base = path.slice(path.lastIndexOf("/") + 1);
    if (base.toLowerCase() === "go.mod") {
      if (base !== path) throw invalid(`module zip file ${show(entry.name)} is misplaced: go.mod is allowed only in the module root`);
      if (path !== "go.mod") throw invalid(`module zip file ${show(entry.name)} must be named "go.mod", in lower case`);
    }
    total += entry.size;
    if (total > MAX_ZIP_FILE) throw invalid(`module contents are larger than ${MAX_ZIP_FILE} bytes uncompressed`);
    if (path === "go.mod" && entry.size > MAX_GO_MOD) throw invalid(`module go.mod is larger than ${MAX_GO_MOD} bytes`);
    if (path === "LICENSE" && entry.size > MAX_LICENSE) throw invalid(`module LICENSE is larger than ${MAX_LICENSE} bytes`);
  }
}

async function* fileRange(fh: FileHandle, start: number, length: number): AsyncGenerator<Buffer> {
  for (let position = start, end = start + length; position < end;) {
    const chunk = await readAt(fh, position, Math.min(READ_CHUNK, end - position));
    position += chunk.length;
    yield chunk;
  }
}

/** Inflates raw deflate data; bytes after the final block are ignored, as Go's flate reader ignores them. */
async function* inflateRaw(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw({ chunkSize: READ_CHUNK });
  const source = Readable.from(compressed, { objectMode: false });
  source.on("error", (err) => inflater.destroy(err));
  source.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } finally {
    source.destroy();
    inflater.destroy();
  }
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

function tooLarge(entry: Entry): InvalidModuleContentError {
  return invalid(`module zip file ${show(entry.name)} is larger than its declared size of ${entry.size} bytes`);
}

/**
 * An entry's uncompressed data, in chunks. Small entries, nearly all of a
 * module, are inflated in one call: a stream each costs far more.
 */
async function* entryData(window: FileWindow, entry: Entry, dataStart: number): AsyncGenerator<Buffer> {
  const deflated = entry.method === METHOD_DEFLATE;
  if (entry.compressedSize > WHOLE_ENTRY_LEN || entry.size > WHOLE_ENTRY_LEN) {
    const raw = fileRange(window.fh, dataStart, entry.compressedSize);
    yield* deflated ? inflateRaw(raw) : raw;
    return;
  }
  const raw = await window.bytes(dataStart, entry.compressedSize);
  if (!deflated) {
    yield raw;
    return;
  }
  let inflated: Buffer;
  try {
    // One byte past the declared size is enough to refuse, so a bomb stops there.
    inflated = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
  } catch (err) {
    if (errorCode(err) === "ERR_BUFFER_TOO_LARGE") throw tooLarge(entry);
    throw err;
  }
  yield inflated;
}

/** The CRC-32 an entry's data descriptor records, which archive/zip requires to equal the central directory's. */
async function readDescriptorCrc(window: FileWindow, entry: Entry, at: number, limit: number): Promise<{ crc: number; end: number }> {
  const available = Math.min(16, limit - at);
  const descriptor = available >= 12 ? await window.bytes(at, available) : undefined;
  if (descriptor?.readUInt32LE(0) === DATA_DESCRIPTOR_SIG) {
    if (descriptor.length < 16) throw invalid(`module zip is corrupt: the data descriptor of ${show(entry.name)} is cut short`);
    return { crc: descriptor.readUInt32LE(4), end: at + 16 };
  }
  if (!descriptor) throw invalid(`module zip is corrupt: the data descriptor of ${show(entry.name)} is missing`);
  return { crc: descriptor.readUInt32LE(0), end: at + 12 };
}

/**
 * Reads one entry's data once: checks where it lies, its real size against the
 * declared one and its CRC-32, and returns its SHA-256 (and its bytes when
 * `keep`). `limit` is where the next entry or the central directory starts.
 */
async function readEntry(window: FileWindow, entry: Entry, limit: number, keep: boolean): Promise<{ digest: string; content?: Buffer }> {
  const overlap = (): InvalidModuleContentError => invalid(`module zip is corrupt: ${show(entry.name)} overlaps another entry or the central directory`);
  const headerEnd = entry.headerOffset + LOCAL_HEADER_LEN + entry.rawName.length;
  if (headerEnd > limit) throw overlap();
  const local = await window.bytes(entry.headerOffset, headerEnd - entry.headerOffset);
  if (local.readUInt32LE(0) !== LOCAL_HEADER_SIG) throw invalid(`module zip is corrupt: no local header for ${show(entry.name)}`);
  // Go reads only the central names; a different local name would fool tools that read local headers.
  if (local.readUInt16LE(26) !== entry.rawName.length || !local.subarray(LOCAL_HEADER_LEN).equals(entry.rawName)) {
    throw invalid(`module zip is corrupt: the local header of ${show(entry.name)} names another file`);
  }
  const dataStart = headerEnd + local.readUInt16LE(28);
  const dataEnd = dataStart + entry.compressedSize;
  const hash = createHash("sha256");
  if (entry.isDir) {
    if (dataEnd > limit) throw overlap();
    return { digest: hash.digest("hex") };
  }
  let end = dataEnd;
  if (entry.flags & FLAG_DATA_DESCRIPTOR) {
    const descriptor = await readDescriptorCrc(window, entry, dataEnd, limit);
    if (descriptor.crc !== entry.crc) throw invalid(`module zip is corrupt: the data descriptor of ${show(entry.name)} has another CRC-32`);
    end = descriptor.end;
  }
  // Non-overlapping entries bound the bytes read to the zip's size, however many entries there are.
  if (end > limit) throw overlap();

  const kept: Buffer[] = [];
  let crc = 0;
  let size = 0;
  try {
    for await (const chunk of entryData(window, entry, dataStart)) {
      size += chunk.length;
      // Stops a zip bomb at its declared size, which checkEntries has held to the limits.
      if (size > entry.size) throw tooLarge(entry);
      hash.update(chunk);
      crc = crc32(chunk, crc);
      if (keep) kept.push(chunk);
    }
  } catch (err) {
    const code = errorCode(err);
    if (typeof code === "string" && code.startsWith("Z_")) throw invalid(`module zip file ${show(entry.name)} has corrupt or cut-short compressed data`);
    throw err;
  }
  if (size !== entry.size) throw invalid(`module zip file ${show(entry.name)} is smaller than its declared size of ${entry.size} bytes`);
  // archive/zip skips this check when the CRC field is 0 and there is no data descriptor; writers never leave it 0.
  if (crc !== entry.crc) throw invalid(`module zip file ${show(entry.name)} fails its CRC-32 check`);
  return { digest: hash.digest("hex"), content: keep ? Buffer.concat(kept) : undefined };
}

/** dirhash Hash1: SHA-256 over "<hex SHA-256>  <name>\n" lines sorted by name bytes (Go sorts strings bytewise). */
function hash1(files: { rawName: Buffer; digest: string }[]): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(a.rawName, b.rawName));
  const summary = createHash("sha256");
  for (const file of sorted) summary.update(`${file.digest}  ${file.rawName.toString("utf8")}\n`);
  return "h1:" + summary.digest("base64");
}

/**
 * Checks the zip file at `file` for module@version and hashes it. Throws InvalidModuleContentError.
 * `module` and `version` must already be a valid module path and canonical version.
 */
export async function checkModuleZip(file: string, module: string, version: string): Promise<CheckedZip> {
  const prefix = `${module}@${version}/`;
  const fh = await fs.open(file, "r");
  try {
    const fileSize = (await fh.stat()).size;
    if (fileSize > MAX_ZIP_FILE) throw invalid(`module zip is ${fileSize} bytes, over the limit of ${MAX_ZIP_FILE} bytes`);
    const directory = await readCentralDirectoryEnd(fh, fileSize);
    const entries = await readEntries(fh, directory);
    checkEntries(entries, prefix);

    // In file order, so each entry's extent can be checked against the next one's start.
    const byOffset = [...entries].sort((a, b) => a.headerOffset - b.headerOffset);
    const window = new FileWindow(fh, directory.offset);
    const files: { rawName: Buffer; digest: string }[] = [];
    let goMod: Buffer | undefined;
    for (const [i, entry] of byOffset.entries()) {
      const limit = i + 1 < byOffset.length ? byOffset[i + 1].headerOffset : directory.offset;
      const isGoMod = entry.name === prefix + "go.mod";
      const { digest, content } = await readEntry(window, entry, limit, isGoMod);
      if (isGoMod) goMod = content;
      // Go's HashZip hashes every entry, directories (as empty) and the bare prefix included.
      files.push({ rawName: entry.rawName, digest });
    }
    return { hash: hash1(files), goMod };
  } finally {
    await fh.close();
  }
}

/** The go.sum "/go.mod" h1 hash of a .mod file's bytes. */
export function goModHash(mod: Buffer): string {
  return hash1([{ rawName: Buffer.from("go.mod"), digest: createHash("sha256").update(mod).digest("hex") }]);
}

/**
 * Checks a .mod against a zip's go.mod: equal bytes when the zip has one; when the zip has none the .mod must be
 * exactly "module <path>\n" as Go synthesizes it. Throws InvalidModuleContentError.
 */
export function checkModMatchesZip(mod: Buffer, zipGoMod: Buffer | undefined, module: string): void {
  if (zipGoMod !== undefined) {
    if (!mod.equals(zipGoMod)) throw invalid("the .mod file differs from the go.mod in the module zip");
    return;
  }
  // Go quotes the path (modfile.AutoQuote) only for characters a valid module path cannot hold.
  const synthesized = `module ${module}\n`;
  if (!mod.equals(Buffer.from(synthesized, "utf8"))) {
    throw invalid(`the module zip has no go.mod, so the .mod file must be exactly ${JSON.stringify(synthesized)}, as go synthesizes it`);
  }
}
