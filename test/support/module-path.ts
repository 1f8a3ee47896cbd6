// Case-encoding of module paths and versions, as the GOPROXY protocol requires
// (go.dev/ref/mod#goproxy-protocol): every upper-case letter becomes '!' plus
// its lower-case form, so that paths survive case-insensitive file systems.
export function caseEncode(pathOrVersion: string): string {
  return pathOrVersion.replace(/[A-Z]/g, (upper) => "!" + upper.toLowerCase());
}

/** Splits "<module>@<version>" into its parts. */
export function splitModuleVersion(key: string): [modulePath: string, version: string] {
  const at = key.lastIndexOf("@");
  if (at <= 0) throw new Error(`not <module>@<version>: ${key}`);
  return [key.slice(0, at), key.slice(at + 1)];
}
