/**
 * Module paths and versions as they travel in GOPROXY URLs and storage keys.
 * Upper-case letters are written "!" + lower case so that paths stay distinct
 * on case-insensitive file systems (go.dev/ref/mod#goproxy-protocol).
 */

/** Longest module path we accept; far above any real one, low enough to keep keys short. */
export const MAX_PATH_LENGTH = 1024;
/** Longest single path element: a common file-name limit. */
export const MAX_ELEMENT_LENGTH = 255;

export class InvalidPathError extends Error {}

/** Case-encodes a path or version: "Foo" becomes "!foo". */
export function encodeCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "!" + c.toLowerCase());
}

/** Reverses encodeCase; rejects raw upper case and a "!" not followed by a lower-case letter. */
export function decodeCase(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= "A" && c <= "Z") throw new InvalidPathError(`upper-case letter "${c}" must be encoded as "!${c.toLowerCase()}"`);
    if (c === "!") {
      const next = s[i + 1];
      if (next === undefined || next < "a" || next > "z") throw new InvalidPathError(`"!" must be followed by a lower-case letter`);
      out += next.toUpperCase();
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Validates a decoded module path by the rules of golang.org/x/mod/module.CheckPath. */
export function checkModulePath(path: string): void {
  if (path === "") throw new InvalidPathError("empty module path");
  if (path.length > MAX_PATH_LENGTH) throw new InvalidPathError(`module path longer than ${MAX_PATH_LENGTH} characters`);
  const elems = path.split("/");
  elems.forEach((elem, i) => {
    if (elem === "") throw new InvalidPathError("module path has an empty element (leading, trailing or double slash)");
    if (elem.length > MAX_ELEMENT_LENGTH) throw new InvalidPathError(`module path element longer than ${MAX_ELEMENT_LENGTH} characters`);
    if (elem === "." || elem === "..") throw new InvalidPathError(`module path element "${elem}" is not allowed`);
    if (elem.startsWith(".") || elem.endsWith(".")) throw new InvalidPathError(`module path element "${elem}" starts or ends with a dot`);
    if (!/^[A-Za-z0-9._~-]+$/.test(elem)) throw new InvalidPathError(`module path element "${elem}" has a character outside letters, digits and "-._~"`);
    if (i === 0) {
      if (!elem.includes(".")) throw new InvalidPathError(`first path element "${elem}" has no dot (not a domain name)`);
      if (!/^[a-z0-9.-]+$/.test(elem)) throw new InvalidPathError(`first path element "${elem}" may only hold lower-case letters, digits, dots and dashes`);
      if (elem.startsWith("-")) throw new InvalidPathError(`first path element "${elem}" starts with a dash`);
    }
  });
}

/**
 * Validates a decoded version as it may appear in a URL: a semver or a query
 * such as a branch name or commit hash (resolved by upstreams for .info).
 */
export function checkVersionSyntax(version: string): void {
  if (version === "") throw new InvalidPathError("empty version");
  if (version.length > MAX_ELEMENT_LENGTH) throw new InvalidPathError(`version longer than ${MAX_ELEMENT_LENGTH} characters`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version) || version.includes("..")) {
    throw new InvalidPathError(`version "${version}" has characters a version cannot have`);
  }
}
