import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { AddressInfo } from "node:net";

// An upstream GOPROXY on loopback, over HTTP or HTTPS, answering from a
// script and recording what it was sent (the Authorization header included),
// for tests of how the proxy reaches upstreams and what it passes on.

export interface Answer {
  status: number;
  body?: string;
}

export interface SeenRequest {
  path: string;
  host?: string;
  authorization?: string;
}

export interface RecordingUpstream {
  /** The port on 127.0.0.1; the tests choose the name they reach it by. */
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** `answer` undefined leaves the request hanging; `tls` serves HTTPS with that certificate. */
export async function startRecordingUpstream(
  answer: (path: string) => Answer | undefined,
  tls?: { certFile: string; keyFile: string },
): Promise<RecordingUpstream> {
  const requests: SeenRequest[] = [];
  const handler: http.RequestListener = (req, res) => {
    requests.push({ path: req.url ?? "", host: req.headers.host, authorization: req.headers.authorization });
    const a = answer(req.url ?? "");
    if (a === undefined) return;
    res.writeHead(a.status, { "Content-Type": "text/plain; charset=utf-8" }).end(a.body ?? "");
  };
  const server = tls ? https.createServer({ cert: await fs.readFile(tls.certFile), key: await fs.readFile(tls.keyFile) }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
