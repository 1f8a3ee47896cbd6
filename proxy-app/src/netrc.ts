import { promises as fs } from "node:fs";

/** One entry of a .netrc file; `machine` is absent for the "default" entry. */
export interface NetrcEntry {
  machine?: string;
  login?: string;
  password?: string;
}

export interface BasicCredentials {
  login: string;
  password: string;
}

/** Keywords followed by a value; "default" stands alone. */
const WITH_VALUE = new Set(["machine", "login", "password", "account", "macdef"]);

/**
 * Parses .netrc text as ftp(1) and curl read it: whitespace-separated tokens
 * across lines, "machine" or "default" opening an entry, "macdef" bodies
 * (up to the next blank line) skipped, and "#" opening a comment where a
 * keyword is expected (a password may itself start with "#").
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  let current: NetrcEntry | undefined;
  let pending: string | undefined;
  let inMacro = false;
  let macroStarts = false;
  for (const line of text.split(/\r?\n/)) {
    if (inMacro) {
      if (line.trim() === "") inMacro = false;
      continue;
    }
    if (macroStarts) {
      // A macro body runs from the line after "macdef name" to the next blank line.
      macroStarts = false;
      inMacro = line.trim() !== "";
      continue;
    }
    for (const token of line.split(/\s+/).filter(Boolean)) {
      if (pending !== undefined) {
        const keyword = pending;
        pending = undefined;
        if (keyword === "machine") entries.push((current = { machine: token }));
        else if (keyword === "login" && current) current.login = token;
        else if (keyword === "password" && current) current.password = token;
        else if (keyword === "macdef") {
          macroStarts = true;
          break;
        }
        continue;
      }
      if (token.startsWith("#")) break;
      if (token === "default") entries.push((current = {}));
      else if (WITH_VALUE.has(token)) pending = token;
    }
  }
  return entries;
}

/**
 * The credentials of the first entry naming `host` ("host" or "host:port", as
 * in a URL's host), with a login and a password. The "default" entry is never
 * used, as the go command never uses it: credentials meant for version
 * control hosts must not go to every upstream.
 */
export function credentialsFor(entries: readonly NetrcEntry[], host: string): BasicCredentials | undefined {
  const wanted = host.toLowerCase();
  const entry = entries.find((e) => e.machine?.toLowerCase() === wanted && e.login !== undefined && e.password !== undefined);
  return entry && { login: entry.login as string, password: entry.password as string };
}

export class NetrcFileError extends Error {}

/**
 * A .netrc file read where it lies and read again when it changes, so a
 * rotated Kubernetes Secret needs no restart. A file that vanishes or cannot
 * be read mid-rotation keeps the last entries read.
 */
export class NetrcFile {
  private entries: NetrcEntry[] = [];
  private version = "";

  private constructor(private readonly file: string) {}

  /** Reads the file once; one that cannot be read stops the start. */
  static async open(file: string): Promise<NetrcFile> {
    const netrc = new NetrcFile(file);
    try {
      await netrc.load(await netrc.currentVersion());
    } catch (err) {
      throw new NetrcFileError(`cannot read the credentials file ${file}: ${(err as Error).message}`);
    }
    return netrc;
  }

  async credentialsFor(host: string): Promise<BasicCredentials | undefined> {
    const version = await this.currentVersion().catch(() => this.version);
    if (version !== this.version) await this.load(version).catch(() => undefined);
    return credentialsFor(this.entries, host);
  }

  /** Identifies the file's content without reading it; a Secret rotation swaps the inode. */
  private async currentVersion(): Promise<string> {
    const st = await fs.stat(this.file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  private async load(version: string): Promise<void> {
    this.entries = parseNetrc(await fs.readFile(this.file, "utf8"));
    this.version = version;
  }
}
