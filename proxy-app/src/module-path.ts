/**
 * Module paths and versions as they travel in GOPROXY URLs and storage keys.
 * Upper-case letters are written "!" + lower case so that paths stay distinct
 * on case-insensitive file systems (go.dev/ref/mod#goproxy-protocol).
 */

import { parseVersion } from "./semver";

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

/**
 * Validates a decoded module path by the rules of golang.org/x/mod/module.CheckPath,
 * within our length limits, so that nothing the go command would refuse is
 * forwarded to an upstream or a checksum database.
 */
export function checkModulePath(path: string): void {
  if (path === "") throw new InvalidPathError("empty module path");
  if (path.length > MAX_PATH_LENGTH) throw new InvalidPathError(`module path longer than ${MAX_PATH_LENGTH} characters`);
  const elems = path.split("/");
  for (const elem of elems) checkPathElement(elem);
  const first = elems[0];
  if (!first.includes(".")) throw new InvalidPathError(`first path element "${first}" has no dot (not a domain name)`);
  if (first.startsWith("-")) throw new InvalidPathError(`first path element "${first}" starts with a dash`);
  if (!/^[a-z0-9.-]+$/.test(first)) throw new InvalidPathError(`first path element "${first}" may only hold lower-case letters, digits, dots and dashes`);
  pathMajor(path);
}

/** Windows reserves these names, with any extension, in every directory. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i;

function checkPathElement(elem: string): void {
  if (elem === "") throw new InvalidPathError("module path has an empty element (leading, trailing or double slash)");
  if (elem.length > MAX_ELEMENT_LENGTH) throw new InvalidPathError(`module path element longer than ${MAX_ELEMENT_LENGTH} characters`);
  if (/^\.+$/.test(elem)) throw new InvalidPathError(`module path element "${elem}" is not allowed`);
  if (elem.startsWith(".")) throw new InvalidPathError(`module path element "${elem}" starts with a dot`);
  if (elem.endsWith(".")) throw new InvalidPathError(`module path element "${elem}" ends with a dot`);
  if (!/^[A-Za-z0-9._~-]+$/.test(elem)) throw new InvalidPathError(`module path element "${elem}" has a character outside letters, digits and "-._~"`);
  // Windows reads "aux.go" as the device AUX and "longna~1" as an 8.3 short name of another file.
  const short = elem.split(".")[0];
  if (WINDOWS_RESERVED.test(short)) throw new InvalidPathError(`module path element "${elem}": "${short}" is a reserved file name on Windows`);
  if (/~[0-9]+$/.test(short)) throw new InvalidPathError(`module path element "${elem}" ends in "~" and digits, like a Windows short name`);
}

/**
 * The major-version suffix of a module path ("/v2", or ".v1" and the like
 * for gopkg.in), "" when it has none; throws for a malformed one. This is
 * SplitPathVersion's part of CheckPath.
 */
function pathMajor(path: string): string {
  if (path.startsWith("gopkg.in/")) {
    const m = /\.v([0-9]*)(-unstable)?$/.exec(path);
    if (!m) throw new InvalidPathError(`gopkg.in module path "${path}" must end in a major version .vN, like gopkg.in/yaml.v3`);
    // As in Go: ".v0" is the only major with a leading zero, and digits may be left out only before "-unstable".
    if ((m[1] === "" && !m[2]) || (m[1].startsWith("0") && m[0] !== ".v0")) {
      throw new InvalidPathError(`gopkg.in module path "${path}" has a malformed major version "${m[0]}"`);
    }
    return m[0];
  }
  const m = /\/v([0-9.]+)$/.exec(path);
  if (!m) return "";
  if (m[1].includes(".")) throw new InvalidPathError(`module path "${path}" ends in "${m[0]}": a major version suffix has no dots`);
  if (m[1] === "0" || m[1] === "1") throw new InvalidPathError(`module path "${path}" ends in "${m[0]}": v0 and v1 take no major version suffix`);
  if (m[1].startsWith("0")) throw new InvalidPathError(`module path "${path}" ends in "${m[0]}": a major version has no leading zero`);
  return m[0];
}

/**
 * Checks that a canonical version can belong to a valid module path, by
 * module.CheckPathMajor and the go command's rule that "+incompatible" is only
 * for paths without a major version suffix.
 */
export function checkPathMajor(version: string, path: string): void {
  const parsed = parseVersion(version);
  if (!parsed) throw new InvalidPathError(`"${version}" is not a semantic version`);
  const suffix = pathMajor(path);
  const mismatch = (why: string) => new InvalidPathError(`module path "${path}" does not match version "${version}": ${why}`);
  const lowMajor = parsed.major === "0" || parsed.major === "1";
  if (parsed.build === "incompatible") {
    if (suffix !== "") throw mismatch("+incompatible is only for paths without a major version suffix");
    if (lowMajor) throw mismatch("+incompatible is only for v2 and above");
    return;
  }
  if (suffix === "") {
    if (lowMajor) return;
    throw mismatch(`a path without a major version suffix takes v0, v1 or +incompatible; v${parsed.major} needs /v${parsed.major}`);
  }
  const want = suffix.replace(/^[./]/, "").replace(/-unstable$/, "");
  // Early module tooling gave gopkg.in .v1 packages v0.0.0 pseudo-versions; go.mod files still require them.
  if (want === "v1" && suffix.startsWith(".") && version.startsWith("v0.0.0-")) return;
  if (`v${parsed.major}` !== want) throw mismatch(`the path's major version is ${want}`);
}

/**
 * Validates a decoded version as it may appear in a URL: a semver or a query
 * such as a branch name or commit hash (resolved by upstreams for .info).
 * The go command escapes no version that module.CheckFilePath would refuse
 * as a file name, so neither do we forward one.
 */
export function checkVersionSyntax(version: string): void {
  if (version === "") throw new InvalidPathError("empty version");
  if (version.length > MAX_ELEMENT_LENGTH) throw new InvalidPathError(`version longer than ${MAX_ELEMENT_LENGTH} characters`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version) || version.includes("..")) {
    throw new InvalidPathError(`version "${version}" has characters a version cannot have`);
  }
  if (version.endsWith(".")) throw new InvalidPathError(`version "${version}" ends with a dot`);
  const short = version.split(".")[0];
  if (WINDOWS_RESERVED.test(short)) throw new InvalidPathError(`version "${version}": "${short}" is a reserved file name on Windows`);
}
