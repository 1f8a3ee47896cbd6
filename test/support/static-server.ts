import { createReadStream, promises as fs } from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";

// Serves a directory over HTTP on loopback, standing in for an upstream
// GOPROXY. It records every request so tests can tell whether the upstream
// was asked, and can be told to fail so tests can see how the proxy copes.

export type UpstreamBehaviour =
  | "serve"
  /** Answer every request with 500. */
  | "fail"
  /** Accept requests and never answer them. */
  | "hang"
  /** Promise a whole file, send half of it, then drop the connection. */
  | "truncate";

/** What the upstream does with /sumdb/ requests, whatever it does with modules. */
export type SumdbBehaviour =
  | "serve"
  /** Answer 502, as a proxy does when it cannot reach the database behind it. */
  | "unreachable"
  /** Accept requests and never answer them. */
  | "hang";

export interface LoggedRequest {
  method: string;
  path: string;
}

export interface StaticServer {
  url: string;
  requests: LoggedRequest[];
  behaviour: UpstreamBehaviour;
  sumdbBehaviour: SumdbBehaviour;
  close(): Promise<void>;
}

/** Maps a URL path to a file under root, or undefined if it would leave root. */
function fileFor(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return undefined;
  }
  const file = path.resolve(root, "." + path.posix.normalize("/" + decoded));
  return file.startsWith(root + path.sep) ? file : undefined;
}

async function serveFile(root: string, request: http.IncomingMessage, response: http.ServerResponse, truncate: boolean): Promise<void> {
  const file = fileFor(root, request.url ?? "/");
  const stat = file === undefined ? undefined : await fs.stat(file).catch(() => undefined);
  if (file === undefined || !stat?.isFile()) {
    response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  response.writeHead(200, { "Content-Length": stat.size });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  if (truncate) {
    const data = await fs.readFile(file);
    response.write(data.subarray(0, Math.floor(data.length / 2)), () => response.destroy());
    return;
  }
  createReadStream(file).pipe(response);
}

/** Forwards "/sumdb/<name>/<file>" to a checksum database's own server, as a public module proxy does for its database. */
export interface SumdbForward {
  name: string;
  url: string;
}

function forwardToSumdb(sumdb: SumdbForward, file: string, response: http.ServerResponse): void {
  http
    .get(`${sumdb.url}/${file}`, (answer) => {
      response.writeHead(answer.statusCode ?? 502, { "Content-Type": answer.headers["content-type"] ?? "text/plain" });
      answer.pipe(response);
    })
    .on("error", () => response.writeHead(502).end("checksum database unreachable\n"));
}

export async function startStaticServer(root: string, sumdb?: SumdbForward): Promise<StaticServer> {
  const resolvedRoot = path.resolve(root);
  const requests: LoggedRequest[] = [];
  const state: StaticServer = {
    url: "",
    requests,
    behaviour: "serve",
    sumdbBehaviour: "serve",
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests would otherwise keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method ?? "", path: request.url ?? "" });
    switch (state.behaviour) {
      case "hang":
        return;
      case "fail":
        response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("fixture upstream told to fail\n");
        return;
      case "serve":
      case "truncate":
        if (sumdb && request.url?.startsWith(`/sumdb/${sumdb.name}/`)) {
          if (state.sumdbBehaviour === "hang") return;
          if (state.sumdbBehaviour === "unreachable") {
            response.writeHead(502, { "Content-Type": "text/plain; charset=utf-8" }).end("checksum database unreachable\n");
            return;
          }
          const file = request.url.slice(`/sumdb/${sumdb.name}/`.length);
          if (file === "supported") response.writeHead(200).end();
          else forwardToSumdb(sumdb, file, response);
          return;
        }
        serveFile(resolvedRoot, request, response, state.behaviour === "truncate").catch((error: Error) => {
          response.destroy(error);
        });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
