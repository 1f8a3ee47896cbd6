import { createHash, timingSafeEqual } from "node:crypto";
import { promises as fs } from "node:fs";

/** How often the token file is looked at for changes by default: a rotated Kubernetes Secret shows up within this. */
const RECHECK_MS = 5_000;

export class TokenFileError extends Error {}

/** Hex digits of a token's SHA-256 that name it in logs: enough to tell tokens apart, far too few to find one. */
const FINGERPRINT_HEX = 12;
/** What a token's name may hold: it is written into every log line of its requests as is. */
const TOKEN_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * Who a request came from, as logs may name it: the token's name from the
 * file, else a short fingerprint of it (the first hex digits of its SHA-256),
 * never the token.
 */
export interface ClientIdentity {
  /** The fingerprint, always there: `printf %s "$TOKEN" | sha256sum | cut -c1-12` finds it for a token. */
  readonly id: string;
  readonly name?: string;
  /** The name, else the fingerprint. */
  readonly label: string;
}

interface KnownToken {
  digest: Buffer;
  client: ClientIdentity;
}

/**
 * Client tokens kept in a file, one per line as `<token>` or `<name> <token>`
 * ("#" comments and blank lines ignored), re-read when the file changes so a
 * rotated Secret needs no restart. A client presents a token as a Bearer token
 * or as the password of HTTP Basic auth (what the go command sends from
 * .netrc), with any user name.
 */
export class TokenAuthenticator {
  private tokens: KnownToken[] = [];
  private mtimeMs = -1;
  private checkedAt = 0;

  private constructor(
    private readonly file: string,
    private readonly recheckMs: number,
  ) {}

  /** Reads the file once; refuses a missing or empty one, which would lock every client out. */
  static async fromFile(file: string, { recheckMs = RECHECK_MS } = {}): Promise<TokenAuthenticator> {
    const auth = new TokenAuthenticator(file, recheckMs);
    await auth.reload();
    return auth;
  }

  private async reload(): Promise<void> {
    let text: string;
    let mtimeMs: number;
    try {
      mtimeMs = (await fs.stat(this.file)).mtimeMs;
      text = await fs.readFile(this.file, "utf8");
    } catch (err) {
      throw new TokenFileError(`cannot read the token file ${this.file}: ${(err as Error).message}`);
    }
    const tokens: KnownToken[] = [];
    for (const [i, line] of text.split("\n").entries()) {
      const fields = line.trim().split(/\s+/);
      if (fields[0] === "" || fields[0].startsWith("#")) continue;
      // The line number only: the line itself holds a token.
      const bad = (why: string) => new TokenFileError(`the token file ${this.file}, line ${i + 1}: ${why}`);
      if (fields.length > 2) throw bad('expected "<token>" or "<name> <token>"');
      const [name, token] = fields.length === 2 ? fields : [undefined, fields[0]];
      if (name !== undefined && !TOKEN_NAME.test(name)) throw bad("a token's name is 1-64 letters, digits and . _ @ -");
      const d = digest(token);
      const id = d.toString("hex").slice(0, FINGERPRINT_HEX);
      tokens.push({ digest: d, client: { id, name, label: name ?? id } });
    }
    if (tokens.length === 0) throw new TokenFileError(`the token file ${this.file} holds no tokens: every client would be refused`);
    this.tokens = tokens;
    this.mtimeMs = mtimeMs;
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    const st = await fs.stat(this.file).catch(() => undefined);
    // A file that vanished or went empty mid-rotation keeps the last good tokens.
    if (st && st.mtimeMs !== this.mtimeMs) await this.reload().catch(() => undefined);
  }

  /** The client whose token the Authorization header carries; undefined when it carries no known token. */
  async identify(authorization: string | undefined): Promise<ClientIdentity | undefined> {
    const presented = tokenOf(authorization);
    if (presented === undefined) return undefined;
    await this.refresh();
    const d = digest(presented);
    // Compare fixed-length digests in constant time, every one of them, so response timing says nothing about a token.
    let found: ClientIdentity | undefined;
    for (const known of this.tokens) if (timingSafeEqual(known.digest, d)) found = known.client;
    return found;
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function tokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}
