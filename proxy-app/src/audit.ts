import type { ProxyServices } from "./app";
import { ArtifactRecord, ChecksumStatus, readAll, sha256Hex } from "./artifact";
import type { VerifyMode } from "./config";
import { ChecksumDbUnreachableError, ExpectedHashes, infoVersion, MAX_INFO } from "./fetcher";
import { Progress } from "./progress";
import { parseModuleRequest, VersionFileRequest, versionFilePath } from "./protocol";
import { isCanonicalModuleVersion } from "./semver";
import { eachConcurrently } from "./single-flight";
import { defaultSpoolDir, Spool } from "./spool";
import type { StoredObject } from "./storage/storage";
import { checkModuleZip, goModHash, InvalidModuleContentError, MAX_GO_MOD, MAX_ZIP_FILE } from "./verify/module-zip";

/** Files checked at once: enough to overlap storage round trips, few enough to bound the spool to eight zips. */
const AUDIT_CONCURRENCY = 8;

export interface AuditOptions {
  /** Remove the files that fail; otherwise nothing is changed but records. */
  purge: boolean;
  /** MODPROXY_VERIFY: whether a file the database cannot vouch for now may be recorded unverified. */
  mode: VerifyMode;
  spoolDir?: string;
  progress: Progress;
}

export interface AuditSummary {
  checked: number;
  ok: number;
  mismatched: { key: string; why: string; purged: boolean }[];
  /** Files found without a record; `recorded` of them got one. */
  unrecorded: number;
  recorded: number;
  /** Records that said unverified and now say verified. */
  nowVerified: number;
  /** Why the database could not be reached, the first time it could not. */
  dbUnreachable?: string;
  /** Files the database could not be asked about. */
  notAsked: number;
  /** Versions the database would not vouch for (no record of it, or an answer that did not verify). */
  notVouched: { key: string; why: string }[];
  unreadable: { key: string; why: string }[];
  ms: number;
}

/** What a stored file turned out to be. */
interface Found {
  sha256: string;
  size: number;
  h1?: string;
  goModH1?: string;
}

type DbAnswer = { kind: "db"; hashes: ExpectedHashes } | { kind: "not-looked-up" } | { kind: "not-asked" };

/**
 * Holds every stored version file to what the proxy recorded of it and to the
 * checksum database: bytes to the recorded sha256 and size, zips to Go's rules
 * and their h1, .mod files to their h1 and to the go.mod in their zip.
 */
export async function auditStore(services: ProxyServices, o: AuditOptions): Promise<AuditSummary> {
  const started = Date.now();
  const { storage, artifacts, sumdb } = services;
  const spoolDir = o.spoolDir ?? defaultSpoolDir();
  const s: AuditSummary = { checked: 0, ok: 0, mismatched: [], unrecorded: 0, recorded: 0, nowVerified: 0, notAsked: 0, notVouched: [], unreadable: [], ms: 0 };

  const mismatch = async (key: string, why: string) => {
    if (o.purge) await artifacts.remove(key);
    s.mismatched.push({ key, why, purged: o.purge });
    o.progress.line(`MISMATCH ${key}: ${why}${o.purge ? " (removed)" : ""}`);
  };

  // Still asked once found unreachable: records already stored answer without it, and the upstream
  // health check makes later attempts fail at once rather than wait for a timeout each.
  const ask = async (key: string, req: VersionFileRequest): Promise<DbAnswer> => {
    try {
      const hashes = await sumdb.hashesFor(req.module, req.version);
      return hashes ? { kind: "db", hashes } : { kind: "not-looked-up" };
    } catch (err) {
      if (!(err instanceof ChecksumDbUnreachableError)) {
        s.notVouched.push({ key, why: (err as Error).message });
      } else {
        if (s.dbUnreachable === undefined) o.progress.line(`${err.message}: going on without it`, "err");
        s.dbUnreachable ??= err.message;
        s.notAsked++;
      }
      return { kind: "not-asked" };
    }
  };

  const check = async (key: string, req: VersionFileRequest) => {
    const record = await artifacts.record(key);
    const obj = await storage.read(key);
    // Removed since it was listed.
    if (!obj) return;
    s.checked++;
    if (!record) s.unrecorded++;
    let found: Found;
    try {
      found = await examine(req, obj, spoolDir);
    } catch (err) {
      if (err instanceof InvalidModuleContentError) return mismatch(key, err.message);
      throw err;
    }
    if (record && (found.size !== record.size || found.sha256 !== record.sha256)) {
      return mismatch(key, `its bytes differ from its record (${found.size} bytes with sha256 ${found.sha256}, recorded ${record.size} with ${record.sha256})`);
    }
    if (record?.h1 !== undefined && found.h1 !== record.h1) return mismatch(key, `it hashes to ${found.h1} but its record says ${record.h1}`);
    if (req.kind === "mod") {
      const zip = await artifacts.record(versionFilePath(req.encodedModule, req.encodedVersion, "zip"));
      if (zip?.goModH1 !== undefined && zip.goModH1 !== found.h1) return mismatch(key, "it differs from the go.mod inside the module zip");
    }
    let checksum: ChecksumStatus = record?.checksum ?? "not-looked-up";
    let db = record?.db;
    // Recorded as not looked up means GONOSUMDB or GONOPROXY when it was stored: its name is not sent now either.
    if (req.kind !== "info" && (!record || record.checksum !== "not-looked-up")) {
      const answer = await ask(key, req);
      if (answer.kind === "db") {
        const want = req.kind === "zip" ? answer.hashes.zip : answer.hashes.mod;
        if (found.h1 !== want) return mismatch(key, `it hashes to ${found.h1} but the checksum database ${answer.hashes.db} records ${want}`);
        checksum = "verified";
        db = answer.hashes.db;
      } else if (answer.kind === "not-asked" && !record) {
        // As a fetch would: recorded unverified only where MODPROXY_VERIFY lets the proxy serve it so; else
        // left without a record, for the proxy to fetch and check again when it is asked for.
        if (o.mode !== "when-available") {
          s.ok++;
          return;
        }
        checksum = "unverified";
      }
    }
    if (!record) {
      await artifacts.writeRecord(key, { ...found, checksum, db } satisfies ArtifactRecord);
      s.recorded++;
    } else if (record.checksum === "unverified" && checksum === "verified") {
      await artifacts.writeRecord(key, { ...record, checksum, db });
      s.nowVerified++;
    }
    s.ok++;
  };

  await eachConcurrently(storage.entries(""), AUDIT_CONCURRENCY, async ({ key }) => {
    const req = versionFileOf(key);
    if (!req) return;
    try {
      await check(key, req);
    } catch (err) {
      const why = (err as Error).message.split("\n")[0];
      s.unreadable.push({ key, why });
      o.progress.line(`could not check ${key}: ${why}`);
    }
    o.progress.update(`verifying: ${s.checked} files checked, ${s.mismatched.length} mismatched: ${key}`, { periodic: true });
  });
  o.progress.end();
  s.ms = Date.now() - started;
  return s;
}

/** The version file a key holds, when it is one the proxy writes (not a record, answer or checksum-database file). */
function versionFileOf(key: string): VersionFileRequest | undefined {
  let req;
  try {
    req = parseModuleRequest(key);
  } catch {
    return undefined;
  }
  if (req === undefined || req.kind === "list" || req.kind === "latest" || !isCanonicalModuleVersion(req.version)) return undefined;
  return versionFilePath(req.encodedModule, req.encodedVersion, req.kind) === key ? req : undefined;
}

/** Reads a stored file whole and checks it as the fetcher checked it on the way in. */
async function examine(req: VersionFileRequest, obj: StoredObject, spoolDir: string): Promise<Found> {
  if (req.kind === "zip") {
    // The zip checks read a local file; S3 objects are spooled like fetched zips.
    const spool = await Spool.create(spoolDir, obj.size);
    try {
      await spool.fill(
        obj.body,
        MAX_ZIP_FILE,
        (limit) => new InvalidModuleContentError(`the zip is larger than Go's limit of ${limit} bytes`),
        (got, want) => new Error(`reading it broke off after ${got} of ${want} bytes`),
      );
      const checked = await checkModuleZip(spool.file, req.module, req.version);
      const found = { sha256: spool.sha256, size: spool.size, h1: checked.hash, goModH1: checked.goMod && goModHash(checked.goMod) };
      spool.release();
      return found;
    } catch (err) {
      spool.fail(err as Error);
      throw err;
    }
  }
  const limit = req.kind === "mod" ? MAX_GO_MOD : MAX_INFO;
  if (obj.size > limit) {
    obj.body.destroy();
    throw new InvalidModuleContentError(`it is ${obj.size} bytes, over the limit of ${limit} for a .${req.kind}`);
  }
  const body = await readAll(obj.body, limit, `stored ${req.module}@${req.version} .${req.kind}`);
  if (req.kind === "info") {
    let version;
    try {
      version = infoVersion(body);
    } catch (err) {
      throw new InvalidModuleContentError((err as Error).message.replace("the upstream's", "the stored"));
    }
    if (version !== req.version) throw new InvalidModuleContentError(`it names version ${version}`);
  }
  return { sha256: sha256Hex(body), size: body.length, h1: req.kind === "mod" ? goModHash(body) : undefined };
}

export function formatAuditSummary(s: AuditSummary, purge: boolean): string {
  const left = s.mismatched.filter((m) => !m.purged).length;
  const lines = [
    `verify: ${s.checked} files checked in ${(s.ms / 1000).toFixed(1)}s: ${s.ok} ok, ${s.mismatched.length} mismatched${purge ? " (removed)" : ""}; ` +
      `${s.unrecorded} without a record (${s.recorded} recorded now), ${s.nowVerified} unverified now verified`,
  ];
  if (s.dbUnreachable !== undefined) lines.push(`not held to the checksum database: ${s.notAsked} files (${s.dbUnreachable})`);
  const list = (title: string, items: { key: string; why: string }[]) => {
    if (items.length > 0) lines.push(`${title}:`, ...items.map((i) => `  ${i.key}: ${i.why}`));
  };
  list("the checksum database would not vouch for", s.notVouched);
  list("could not be checked", s.unreadable);
  list("mismatched", s.mismatched);
  if (left > 0) lines.push("run modproxy verify --purge to remove them; the proxy then fetches them again");
  return lines.join("\n");
}
