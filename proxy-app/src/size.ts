/** Byte sizes as people write them in settings and flags. */

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** "64MiB", "512KiB", "50GB", "1.5 mb" or "1048576": bytes, with binary (KiB) or decimal (KB) units. */
export function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m && Object.hasOwn(SIZE_UNITS, m[2].toLowerCase()) ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`must be a size such as 64MiB, 50GB or a number of bytes ("${value}" is not a size)`);
  return Math.floor(Number(m[1]) * unit);
}

/** A size for people: "1.5 GB", decimal units. */
export function formatSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}
