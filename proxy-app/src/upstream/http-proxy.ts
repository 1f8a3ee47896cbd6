import http from "node:http";
import { NetrcFile } from "../netrc";
import { Egress } from "./egress";
import { NotFoundError, Upstream, UpstreamError, UpstreamResponse, UpstreamTimeoutError } from "./upstream";

/** How much of an upstream's error body is quoted back to the client. */
const ERROR_BODY_QUOTE = 200;

export interface HttpProxyOptions {
  /** How requests leave: through HTTPS_PROXY/HTTP_PROXY or straight, trusting which CAs; straight with Node's roots when absent. */
  egress?: Egress;
  /** Basic credentials per upstream host (the machine is the URL's host, with its port if it has one); sent over HTTPS only. */
  credentials?: NetrcFile;
}

/** Another GOPROXY-protocol server reached over HTTP(S). */
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
    this.name = baseUrl;
    this.egress = options.egress ?? new Egress();
    this.credentials = options.credentials;
  }

  async fetch(path: string): Promise<UpstreamResponse> {
    const url = new URL(path, this.base);
    const headers: http.OutgoingHttpHeaders = { "user-agent": "modproxy" };
    // As the go command does, credentials never travel in clear text.
    const login = url.protocol === "https:" ? await this.credentials?.credentialsFor(url.host) : undefined;
    if (login) headers.authorization = `Basic ${Buffer.from(`${login.login}:${login.password}`).toString("base64")}`;
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
          const why = `${this.name} answered ${status} for ${path}${quote ? `: ${quote}` : ""}`;
          reject(status === 404 || status === 410 ? new NotFoundError(why, status) : new UpstreamError(why));
        }, reject);
      });
      req.on("timeout", () => {
        req.destroy(new UpstreamTimeoutError(`${this.name} did not answer within ${this.timeoutMs} ms for ${path}`));
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err instanceof UpstreamError) reject(err);
        else if (err.code === "ETIMEDOUT") reject(new UpstreamTimeoutError(`${this.name} could not be reached in time for ${path}: ${err.message}`));
        else reject(new UpstreamError(`${this.name} could not be reached for ${path}: ${err.message}`));
      });
    });
  }
}

function readQuote(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (text.length < ERROR_BODY_QUOTE) text += chunk;
    });
    res.on("end", () => resolve(text.slice(0, ERROR_BODY_QUOTE).trim()));
    res.on("error", () => resolve(text.trim()));
  });
}
