import { createHash, timingSafeEqual } from "node:crypto";
import { promises as fs } from "node:fs";

/** How often the token file is looked at for changes by default: a rotated Kubernetes Secret shows up within this. */
const RECHECK_MS = 5_000;

export class TokenFileError extends Error {}

/**
 * Client tokens kept in a file, one per line ("#" comments and blank lines
 * ignored), re-read when the file changes so a rotated Secret needs no restart.
 * A client presents a token as a Bearer token or as the password of HTTP Basic
 * auth (what the go command sends from .netrc), with any user name.
 */
export class TokenAuthenticator {
  private digests: Buffer[] = [];
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
    const tokens = text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    if (tokens.length === 0) throw new TokenFileError(`the token file ${this.file} holds no tokens: every client would be refused`);
    this.digests = tokens.map(digest);
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

  /** True when the Authorization header carries a known token. */
  async allows(authorization: string | undefined): Promise<boolean> {
    const presented = tokenOf(authorization);
    if (presented === undefined) return false;
    await this.refresh();
    const d = digest(presented);
    // Compare fixed-length digests in constant time so response timing says nothing about a token.
    return this.digests.reduce((found, known) => timingSafeEqual(known, d) || found, false);
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
