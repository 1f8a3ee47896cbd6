/** Parses a Go duration such as "30s", "1m30s" or "500ms" into milliseconds. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (s === "") throw new Error("empty duration");
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`"${s}" is not a duration like 30s, 1m30s or 500ms`);
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return total;
}
