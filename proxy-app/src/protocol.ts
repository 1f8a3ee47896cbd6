import { checkModulePath, checkPathMajor, checkVersionSyntax, decodeCase, encodeCase, InvalidPathError } from "./module-path";
import { isCanonicalModuleVersion } from "./semver";

/** The file kinds of a version, as they end GOPROXY URLs. */
export type VersionFileKind = "info" | "mod" | "zip";

interface ModuleRef {
  /** Decoded module path, e.g. "example.com/Foo". */
  module: string;
  /** Case-encoded module path, as used in URLs and storage keys. */
  encodedModule: string;
}

export interface VersionFileRequest extends ModuleRef {
  kind: VersionFileKind;
  version: string;
  encodedVersion: string;
}

export type ModuleRequest = (ModuleRef & { kind: "list" }) | (ModuleRef & { kind: "latest" }) | VersionFileRequest;

/**
 * Parses a GOPROXY protocol path ("/<module>/@v/list", "/<module>/@v/<version>.info",
 * ".mod", ".zip", "/<module>/@latest") after percent-decoding. Returns undefined
 * for a path of no protocol shape; throws InvalidPathError for a malformed one.
 */
export function parseModuleRequest(urlPath: string): ModuleRequest | undefined {
  const path = urlPath.replace(/^\/+/, "");
  const latest = /^(.+)\/@latest$/.exec(path);
  if (latest) return { kind: "latest", ...moduleRef(latest[1]) };
  const at = path.lastIndexOf("/@v/");
  if (at < 0) return undefined;
  const ref = moduleRef(path.slice(0, at));
  const file = path.slice(at + "/@v/".length);
  if (file === "list") return { kind: "list", ...ref };
  const m = /^(.+)\.(info|mod|zip)$/.exec(file);
  if (!m) throw new InvalidPathError(`"${file}" is not list, <version>.info, <version>.mod or <version>.zip`);
  const encodedVersion = m[1];
  const kind = m[2] as VersionFileKind;
  const version = decodeCase(encodedVersion);
  checkVersionSyntax(version);
  // .mod and .zip exist only for canonical versions, which must fit the path's major version;
  // .info may also resolve a query like a branch name, which only the upstream can judge.
  if (isCanonicalModuleVersion(version)) {
    checkPathMajor(version, ref.module);
  } else if (kind !== "info") {
    throw new InvalidPathError(`"${version}" is not a canonical module version (vMAJOR.MINOR.PATCH[-pre][+incompatible])`);
  }
  return { kind, ...ref, version, encodedVersion: encodeCase(version) };
}

function moduleRef(encodedModule: string): ModuleRef {
  const module = decodeCase(encodedModule);
  checkModulePath(module);
  return { module, encodedModule: encodeCase(module) };
}

/** The storage key and upstream path of a version's file. */
export function versionFilePath(encodedModule: string, encodedVersion: string, kind: VersionFileKind): string {
  return `${encodedModule}/@v/${encodedVersion}.${kind}`;
}
