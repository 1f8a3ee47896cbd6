import http from "node:http";
import { NetrcFile } from "../netrc";
import { oneLine, QUOTE_LIMIT, withoutUserinfo } from "../redact";
import { Egress } from "./egress";
import { NotFoundError, Upstream, UpstreamConnectionError, UpstreamError, UpstreamResponse, UpstreamStatusError, UpstreamTimeoutError } from "./upstream";

export interface HttpProxyOptions {
  /** How requests leave: through HTTPS_PROXY/HTTP_PROXY or straight, trusting which CAs; straight with Node's roots when absent. */
  egress?: Egress;
  /** Basic credentials per upstream host (the machine is the URL's host, with its port if it has one); sent over HTTPS only. */
  credentials?: NetrcFile;
}

/**
 * Another GOPROXY-protocol server reached over HTTP(S). What it says reaches
 * clients only as "upstream <host>" and, for 404/410, the one-line reason in
 * Go's "not found: ..." style: its path may hold a token and its error pages
 * anything, so neither is passed on (the log gets the quote).
 */
export class HttpProxyUpstream implements Upstream {
  readonly name: string;
  private readonly base: URL;
  private readonly egress: Egress;
  private readonly credentials?: NetrcFile;

  /** `timeoutMs` bounds connecting and every idle gap while reading, so a stalled upstream never hangs a client. */
  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
    options: HttpProxyOptions = {},
  ) {
    this.base = new URL(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.name = this.base.host;
    this.egress = options.egress ?? new Egress();
    this.credentials = options.credentials;
  }

  async fetch(path: string): Promise<UpstreamResponse> {
    const url = new URL(path, this.base);
    const headers: http.OutgoingHttpHeaders = { "user-agent": "modproxy" };
    // As the go command does, credentials never travel in clear text.
    const login = url.protocol === "https:" ? await this.credentials?.credentialsFor(url.host) : undefined;
    if (login) headers.authorization = `Basic ${Buffer.from(`${login.login}:${login.password}`).toString("base64")}`;
    const upstream = `upstream ${this.name}`;
    return new Promise((resolve, reject) => {
      const req = this.egress.get(url, { timeout: this.timeoutMs, headers });
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status === 200) {
          const len = Number(res.headers["content-length"]);
          resolve({ body: res, size: Number.isFinite(len) ? len : undefined });
          return;
        }
        readQuote(res).then((quote) => {
          if (status === 404 || status === 410) {
            const reason = withoutUserinfo(quote).replace(/^not found:\s*/i, "") || path;
            reject(new NotFoundError(`not found: ${reason} (${upstream})`, status));
          } else {
            reject(new UpstreamStatusError(`${upstream} answered ${status} for ${path}`, status, quote && `it said: ${quote}`));
          }
        }, reject);
      });
      req.on("timeout", () => {
        req.destroy(new UpstreamTimeoutError(`${upstream} did not answer within ${this.timeoutMs} ms for ${path}`));
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err instanceof UpstreamError) reject(err);
        else if (err.code === "ETIMEDOUT") reject(new UpstreamTimeoutError(`${upstream} could not be reached in time for ${path}: ${oneLine(err.message)}`));
        else reject(new UpstreamConnectionError(`${upstream} could not be reached for ${path}: ${oneLine(err.message)}`));
      });
    });
  }
}

/** The start of an error body as one clean line; the rest is drained so the connection can be reused. */
function readQuote(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (text.length < QUOTE_LIMIT * 4) text += chunk;
    });
    res.on("end", () => resolve(oneLine(text)));
    res.on("error", () => resolve(oneLine(text)));
  });
}
