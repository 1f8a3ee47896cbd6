import { constants, crc32, deflateRawSync } from "node:zlib";

// Writes zip files byte by byte (APPNOTE.TXT layout, no ZIP64), so tests can
// make every field that a real writer computes wrong on purpose.

export interface RawEntry {
  name: string | Buffer;
  /** The bytes stored as the entry's data: already compressed when method is 8. */
  data: Buffer;
  /** Default 0 (store). */
  method?: number;
  /** Declared uncompressed size; default data.length. */
  size?: number;
  /** Declared CRC-32; default that of data (right for method 0). */
  crc?: number;
  /** General purpose flags; default 0x800 (UTF-8 names). */
  flags?: number;
  /** Name in the local header; default name. */
  localName?: string | Buffer;
  /** Written right after the data (a data descriptor, with flag 0x8). */
  trailer?: Buffer;
  /** Local header offset the central directory records; when set, no local header is written for the entry. */
  at?: number;
}

const DOS_DATE_1980_01_01 = 0x21;

function bytes(name: string | Buffer): Buffer {
  return typeof name === "string" ? Buffer.from(name, "utf8") : name;
}

function header(signature: number, fields: [size: 2 | 4, value: number][]): Buffer {
  const out = Buffer.alloc(4 + fields.reduce((sum, [size]) => sum + size, 0));
  out.writeUInt32LE(signature, 0);
  let at = 4;
  for (const [size, value] of fields) {
    if (size === 2) out.writeUInt16LE(value, at);
    else out.writeUInt32LE(value, at);
    at += size;
  }
  return out;
}

export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = bytes(entry.name);
    const flags = entry.flags ?? 0x800;
    const method = entry.method ?? 0;
    const crc = entry.crc ?? crc32(entry.data);
    const size = entry.size ?? entry.data.length;
    const common: [2 | 4, number][] = [
      [2, 20], // version needed
      [2, flags],
      [2, method],
      [2, 0], // time
      [2, DOS_DATE_1980_01_01],
      [4, crc],
      [4, entry.data.length],
      [4, size],
    ];
    let headerOffset = entry.at;
    if (headerOffset === undefined) {
      headerOffset = offset;
      const localName = bytes(entry.localName ?? entry.name);
      const local = [header(0x04034b50, [...common, [2, localName.length], [2, 0]]), localName, entry.data, entry.trailer ?? Buffer.alloc(0)];
      parts.push(...local);
      offset += local.reduce((sum, b) => sum + b.length, 0);
    }
    const fixed = header(0x02014b50, [[2, 20], ...common, [2, name.length], [2, 0], [2, 0], [2, 0], [2, 0], [4, 0], [4, headerOffset]]);
    central.push(fixed, name);
  }
  const directory = Buffer.concat(central);
  const end = header(0x06054b50, [
    [2, 0],
    [2, 0],
    [2, entries.length],
    [2, entries.length],
    [4, directory.length],
    [4, offset],
    [2, 0],
  ]);
  return Buffer.concat([...parts, directory, end]);
}

/** A deflated entry whose declared size and CRC-32 are those of content. */
export function deflatedEntry(name: string | Buffer, content: Buffer): RawEntry {
  return { name, data: deflateRawSync(content), method: 8, size: content.length, crc: crc32(content) };
}

/**
 * Raw deflate data that inflates to `mebibytes` MiB of zeros, built without
 * ever holding them: a fully flushed 1 MiB block ends on a byte boundary and
 * leans on no earlier data, so copies of it can follow one another, and an
 * empty final block (fixed Huffman, end-of-block code only) closes the stream.
 */
export function zerosDeflated(mebibytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mebibytes).fill(block), Buffer.from([0x03, 0x00])]);
}
