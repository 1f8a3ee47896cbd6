/** GOSUMDB as the go command reads it, apart from the checksum-database proxy so the settings table loads without it. */
import { withoutUserinfo } from "./redact";
import { DEFAULT_SUMDB_VERIFIER_KEY, parseVerifierKey } from "./verify/note";

export const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/** The default database, whose key the go command knows without being told. */
const DEFAULT_SUMDB = "sum.golang.org";

export class GoSumDbError extends Error {}

export interface GoSumDb {
  name: string;
  /** The verifier key ("name+hash+key"), given or known. */
  vkey?: string;
  url?: string;
}

/**
 * Reads GOSUMDB the way the go command writes it: "name", "name+hash+key" or
 * "name+hash+key url". "off" is refused: serving the database is how this
 * proxy keeps verification on for its clients.
 */
export function parseGoSumDb(value: string): GoSumDb {
  const [db, url, extra] = value.trim().split(/\s+/);
  if (db === "off") throw new GoSumDbError('"off" would leave clients without checksum verification; leave GOSUMDB unset or name a database');
  if (extra !== undefined) throw new GoSumDbError('expected "name", "name+key" or "name+key url"');
  const name = db.split("+")[0];
  if (!HOST_NAME.test(name)) throw new GoSumDbError(`"${name}" is not a checksum database name`);
  if (url !== undefined) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || !["http:", "https:"].includes(parsed.protocol)) throw new GoSumDbError(`"${withoutUserinfo(url)}" is not an http or https URL`);
    if (parsed.username !== "" || parsed.password !== "") {
      throw new GoSumDbError("the URL carries credentials: put them in the netrc file MODPROXY_VCS_CREDENTIALS_FILE");
    }
  }
  let vkey: string | undefined;
  if (db.includes("+")) {
    try {
      parseVerifierKey(db);
    } catch (err) {
      throw new GoSumDbError(`"${db}" is not a verifier key: ${(err as Error).message}`);
    }
    vkey = db;
  } else if (name === DEFAULT_SUMDB) {
    vkey = DEFAULT_SUMDB_VERIFIER_KEY;
  }
  return { name, vkey, url };
}
