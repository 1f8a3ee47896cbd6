import { accessStamp } from "../../proxy-app/src/access";
import { ArtifactRecord, ChecksumStatus, sha256Hex } from "../../proxy-app/src/artifact";
import { encodeCase } from "../../proxy-app/src/module-path";

// Module versions as the proxy leaves them in storage (.info, .mod, .zip, a
// record beside each, an access stamp), made without fetching anything: for
// tests and the store benchmark that need a populated store fast.

export interface VersionSpec {
  module: string;
  version: string;
  /** Bytes in the zip; none: the version has its .info and .mod only (a go.sum "/go.mod" line). */
  zipBytes?: number;
  /** How the .mod and .zip were vouched for; "unrecorded": stored without records. */
  checksum: ChecksumStatus | "unrecorded";
  /** When it was last served (ms) and how often; none: never stamped. */
  access?: { at: number; hits: number };
}

/** The storage keys and bodies of a version, records and stamp included. */
export function versionObjects(spec: VersionSpec): [string, Buffer][] {
  const base = `${encodeCase(spec.module)}/@v/${encodeCase(spec.version)}`;
  const files: [string, Buffer][] = [
    ["info", Buffer.from(JSON.stringify({ Version: spec.version, Time: "2026-01-02T03:04:05Z" }) + "\n")],
    ["mod", Buffer.from(`module ${spec.module}\n\ngo 1.22\n`)],
  ];
  // Distinct bytes per version, so no two zips hash alike.
  if (spec.zipBytes !== undefined) files.push(["zip", Buffer.alloc(spec.zipBytes, `${spec.module}@${spec.version}`)]);
  const objects: [string, Buffer][] = [];
  for (const [kind, body] of files) {
    objects.push([`${base}.${kind}`, body]);
    if (spec.checksum === "unrecorded") continue;
    const checksum: ChecksumStatus = kind === "info" ? "not-looked-up" : spec.checksum;
    const record: ArtifactRecord = { sha256: sha256Hex(body), size: body.length, checksum, ...(checksum === "verified" ? { db: "sum.golang.org" } : {}) };
    objects.push([`${base}.${kind}.meta`, Buffer.from(JSON.stringify(record) + "\n")]);
  }
  if (spec.access) objects.push([`${base}.access`, accessStamp(spec.access.at, spec.access.hits)]);
  return objects;
}
