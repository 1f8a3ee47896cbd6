import * as http from "node:http";
import * as https from "node:https";

// HTTP requests that send the path exactly as given: fetch() would normalize
// "..", which is the very thing the bad-input tests need to send.

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  elapsedMs: number;
}

export function rawRequest(
  baseUrl: string,
  rawPath: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; timeoutMs?: number; /** CA to trust for an https base URL. */ ca?: Buffer } = {},
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = (base.protocol === "https:" ? https : http).request(
      { host: base.hostname, port: base.port, method: options.method ?? "GET", path: rawPath, headers: options.headers, agent: false, ca: options.ca },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), elapsedMs: Date.now() - started }),
        );
        response.on("error", reject);
      },
    );
    // A proxy that hangs must fail the test, not stall it until mocha's timeout.
    request.setTimeout(options.timeoutMs ?? 15_000, () =>
      request.destroy(new Error(`no answer to ${options.method ?? "GET"} ${rawPath} within ${options.timeoutMs ?? 15_000}ms`)),
    );
    request.on("error", reject);
    request.end();
  });
}
