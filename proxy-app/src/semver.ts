/**
 * Go's flavour of semantic versions (golang.org/x/mod/semver): a leading "v",
 * shorthands v1 and v1.2 are valid but not canonical, and module versions may
 * carry the "+incompatible" build suffix.
 */

export interface ParsedVersion {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[]; // dot-separated identifiers, empty for a release
  build: string; // without the leading "+"
  short: boolean; // written as v1 or v1.2
}

const NUM = "(0|[1-9][0-9]*)";
const IDENT = "[0-9A-Za-z-]+";
const VERSION_RE = new RegExp(`^v${NUM}(?:\\.${NUM}(?:\\.${NUM}(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+(${IDENT}(?:\\.${IDENT})*))?)?)?$`);

export function parseVersion(v: string): ParsedVersion | undefined {
  const m = VERSION_RE.exec(v);
  if (!m) return undefined;
  const prerelease = m[4] ? m[4].split(".") : [];
  // Numeric prerelease identifiers may not have leading zeros.
  if (prerelease.some((id) => /^0[0-9]+$/.test(id))) return undefined;
  return {
    major: m[1],
    minor: m[2] ?? "0",
    patch: m[3] ?? "0",
    prerelease,
    build: m[5] ?? "",
    short: m[3] === undefined,
  };
}

export function isValidVersion(v: string): boolean {
  return parseVersion(v) !== undefined;
}

/**
 * A version a module proxy can serve .mod and .zip for: vMAJOR.MINOR.PATCH,
 * an optional prerelease, and no build metadata except "+incompatible" on v2+.
 */
export function isCanonicalModuleVersion(v: string): boolean {
  const p = parseVersion(v);
  if (!p || p.short) return false;
  if (p.build === "") return true;
  return p.build === "incompatible" && p.major !== "0" && p.major !== "1";
}

export function isPrerelease(v: string): boolean {
  const p = parseVersion(v);
  return p !== undefined && p.prerelease.length > 0;
}

function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const an = /^[0-9]+$/.test(a[i]);
    const bn = /^[0-9]+$/.test(b[i]);
    let c: number;
    if (an && bn) c = compareNumeric(a[i], b[i]);
    else if (an !== bn) c = an ? -1 : 1;
    else c = a[i] < b[i] ? -1 : a[i] > b[i] ? 1 : 0;
    if (c !== 0) return c;
  }
  return Math.sign(a.length - b.length);
}

/** Orders versions by semver precedence; invalid versions sort before all valid ones. Build metadata is ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return (
    compareNumeric(pa.major, pb.major) ||
    compareNumeric(pa.minor, pb.minor) ||
    compareNumeric(pa.patch, pb.patch) ||
    comparePrerelease(pa.prerelease, pb.prerelease)
  );
}

/**
 * The version `@latest` resolves to among known ones, the way the go command
 * picks it: the highest release, else the highest prerelease.
 */
export function latestVersion(versions: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    if (!isValidVersion(v)) continue;
    if (best === undefined) {
      best = v;
      continue;
    }
    const rel = !isPrerelease(v);
    const bestRel = !isPrerelease(best);
    if ((rel && !bestRel) || (rel === bestRel && compareVersions(v, best) > 0)) best = v;
  }
  return best;
}

/** Pseudo-versions name commits, not releases; proxies leave them out of `list`. */
export function isPseudoVersion(v: string): boolean {
  const p = parseVersion(v);
  return p !== undefined && !p.short && /(^|\.)(0\.)?\d{14}-[0-9a-f]{12}$/.test(p.prerelease.join("."));
}
