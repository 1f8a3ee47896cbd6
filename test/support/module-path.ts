/** Splits "<module>@<version>" into its parts. */
export function splitModuleVersion(key: string): [modulePath: string, version: string] {
  const at = key.lastIndexOf("@");
  if (at <= 0) throw new Error(`not <module>@<version>: ${key}`);
  return [key.slice(0, at), key.slice(at + 1)];
}
