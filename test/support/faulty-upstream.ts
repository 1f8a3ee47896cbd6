import * as http from "node:http";
import { AddressInfo, Socket } from "node:net";
import { crc32 } from "node:zlib";
import { decodeCase } from "../../proxy-app/src/module-path";
import { rawZip, zerosDeflated } from "./raw-zip";
import { startStaticServer, SumdbForward } from "./static-server";

// A GOPROXY upstream on loopback that serves the fixture tree (and the
// checksum database behind it) as the static server does, except where a
// test has injected a fault for a path: then it breaks the connection, the
// HTTP framing or the content in one precise way. Faults stay until healed;
// every request is counted, and every faulted answer records when the proxy
// closed it, so a test can tell the proxy stopped reading.

export const FAULTS = [
  /** Resets the connection before answering. */
  "reset",
  /** Accepts the request and never answers. */
  "hang",
  /** The genuine body, one byte every DRIP_INTERVAL_MS, under its full Content-Length. */
  "drip",
  "status-500",
  "status-503",
  "404",
  "410",
  /** Half the genuine body with neither Content-Length nor chunking, then the connection closes: a short body that looks whole. */
  "short-close",
  /** Content-Length of the genuine body, half of it, then the connection closes. */
  "short-length",
  /** Half the genuine body in chunked encoding, then the connection closes before the last chunk. */
  "short-chunked",
  /** The genuine zip with one byte of its first entry's data changed: same length, so only the content checks can tell. */
  "tampered-zip",
  /** A zip with an entry "<module>@<version>/../evil.go". */
  "zip-slip",
  /** A zip whose entries sit under another module's "<module>@<version>/". */
  "wrong-prefix",
  /** A small zip with an entry declared 1 KiB that inflates past Go's 500 MiB limit. */
  "zip-bomb",
  /** A .info naming another version. */
  "info-other-version",
  /** HUGE_BYTES announced in Content-Length and streamed until the proxy closes the connection. */
  "huge",
  /** A zip that never ends, without Content-Length, at ENDLESS_CHUNK per ENDLESS_INTERVAL_MS. */
  "endless",
  /** A .mod with a line the zip's go.mod lacks. */
  "mod-differs",
  /** A checksum-database tile cut to half its bytes, sent whole. */
  "tile-truncated",
  /** A checksum-database tile with one byte changed. */
  "tile-altered",
  /** A checksum-database lookup whose record has one character of a hash changed; its signed tree head is intact. */
  "lookup-altered",
] as const;

export type Fault = (typeof FAULTS)[number];

const DRIP_INTERVAL_MS = 200;
export const HUGE_BYTES = 600 * 1024 * 1024;
/** Slow enough that the fetch deadline, not Go's 500 MiB limit, ends it: a few MiB in a test's deadline, not gigabytes of disk. */
const ENDLESS_CHUNK = 64 * 1024;
const ENDLESS_INTERVAL_MS = 20;
const STREAM_CHUNK = Buffer.alloc(64 * 1024);

/** One answer given with a fault. Times are performance.now() milliseconds. */
export interface FaultedAnswer {
  path: string;
  fault: Fault;
  startedMs: number;
  /** When the answer ended or its connection closed, whichever came first; undefined while it is open. */
  closedMs?: number;
  /** Body bytes written. */
  bytesSent: number;
}

export interface FaultyUpstream {
  url: string;
  /** The path of every request, in order. */
  requests: string[];
  /** Every answer given with a fault, in order. */
  faulted: FaultedAnswer[];
  /** Requests for exactly this path so far. */
  count(path: string): number;
  /** What the upstream serves at `path` without faults (undefined where it has nothing), asked without being counted. */
  genuine(path: string): Promise<Buffer | undefined>;
  /** Answers requests for `match` (a path, or paths the RegExp matches) with `fault` until healed; the first matching fault wins. */
  inject(match: string | RegExp, fault: Fault): void;
  /** Clears every fault: from now on everything is served genuinely. */
  heal(): void;
  close(): Promise<void>;
}

interface Genuine {
  status: number;
  body: Buffer;
}

export async function startFaultyUpstream(root: string, sumdb?: SumdbForward): Promise<FaultyUpstream> {
  const inner = await startStaticServer(root, sumdb);
  const rules: { match: string | RegExp; fault: Fault }[] = [];
  const requests: string[] = [];
  const faulted: FaultedAnswer[] = [];

  const genuine = (path: string): Promise<Genuine> =>
    new Promise((resolve, reject) => {
      http
        .get(inner.url + path, (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (c: Buffer) => chunks.push(c));
          answer.on("end", () => resolve({ status: answer.statusCode ?? 0, body: Buffer.concat(chunks) }));
          answer.on("error", reject);
        })
        .on("error", reject);
    });

  const server = http.createServer((request, response) => {
    const path = request.url ?? "/";
    requests.push(path);
    const fault = rules.find((r) => (typeof r.match === "string" ? r.match === path : r.match.test(path)))?.fault;
    if (fault === undefined) {
      forward(inner.url + path, response);
      return;
    }
    const record: FaultedAnswer = { path, fault, startedMs: performance.now(), bytesSent: 0 };
    faulted.push(record);
    response.once("close", () => {
      record.closedMs = performance.now();
    });
    answerWithFault(fault, path, request, response, record, genuine).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    faulted,
    count: (path) => requests.filter((p) => p === path).length,
    genuine: async (path) => {
      const answer = await genuine(path);
      return answer.status === 200 ? answer.body : undefined;
    },
    inject: (match, fault) => void rules.push({ match, fault }),
    heal: () => void rules.splice(0),
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging and dripping answers would otherwise keep close() waiting.
        server.closeAllConnections();
      });
      await inner.close();
    },
  };
}

/** Passes a request to the static server and its answer back, framing included. */
function forward(url: string, response: http.ServerResponse): void {
  http
    .get(url, (answer) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const name of ["content-type", "content-length"]) {
        if (answer.headers[name] !== undefined) headers[name] = answer.headers[name];
      }
      response.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(response);
    })
    .on("error", () => response.destroy());
}

async function answerWithFault(
  fault: Fault,
  path: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  record: FaultedAnswer,
  genuine: (path: string) => Promise<Genuine>,
): Promise<void> {
  const socket = request.socket;
  switch (fault) {
    case "reset":
      socket.resetAndDestroy();
      return;
    case "hang":
      return;
    case "status-500":
    case "status-503": {
      const status = Number(fault.slice("status-".length));
      response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" }).end(`fault injected: ${status}\n`);
      return;
    }
    case "404":
    case "410":
      response.writeHead(Number(fault), { "Content-Type": "text/plain; charset=utf-8" }).end(`not found: fault injected (${fault})\n`);
      return;
    case "huge":
      response.writeHead(200, { "Content-Length": HUGE_BYTES });
      stream(response, record, HUGE_BYTES, 0, () => STREAM_CHUNK);
      return;
    case "endless": {
      const { prefix } = versionOf(path);
      // A stored entry of unknown size (data descriptor flag), so every byte after the header is its data.
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(0x808, 6);
      const name = Buffer.from(`${prefix}endless.go`);
      header.writeUInt16LE(name.length, 26);
      let first = true;
      response.writeHead(200, { "Content-Type": "application/zip" });
      stream(response, record, undefined, ENDLESS_INTERVAL_MS, () => {
        if (!first) return STREAM_CHUNK.subarray(0, ENDLESS_CHUNK);
        first = false;
        return Buffer.concat([header, name]);
      });
      return;
    }
    case "zip-slip":
    case "wrong-prefix":
    case "zip-bomb": {
      const { module, version, prefix } = versionOf(path);
      const goMod = (await genuine(path.replace(/\.zip$/, ".mod"))).body;
      const entries =
        fault === "zip-slip"
          ? [
              { name: `${prefix}go.mod`, data: goMod },
              { name: `${prefix}../evil.go`, data: Buffer.from("package evil\n") },
            ]
          : fault === "wrong-prefix"
            ? [
                { name: `${module}-other@${version}/go.mod`, data: goMod },
                { name: `${module}-other@${version}/other.go`, data: Buffer.from("package other\n") },
              ]
            : [
                { name: `${prefix}go.mod`, data: goMod },
                { name: `${prefix}bomb.txt`, data: zipBombData(), method: 8, size: 1024, crc: crc32(Buffer.alloc(1024)) },
              ];
      send(response, record, rawZip(entries));
      return;
    }
  }
  const real = await genuine(path);
  if (real.status !== 200) {
    response.writeHead(real.status, { "Content-Type": "text/plain; charset=utf-8" }).end(real.body);
    return;
  }
  const body = real.body;
  const half = body.subarray(0, Math.floor(body.length / 2));
  switch (fault) {
    case "drip": {
      response.writeHead(200, { "Content-Length": body.length });
      const timer = setInterval(() => {
        if (response.destroyed) return clearInterval(timer);
        response.write(body.subarray(record.bytesSent, record.bytesSent + 1));
        if (++record.bytesSent === body.length) {
          clearInterval(timer);
          response.end();
        }
      }, DRIP_INTERVAL_MS);
      response.once("close", () => clearInterval(timer));
      return;
    }
    case "short-close":
      rawAnswer(socket, record, "Connection: close\r\n", half);
      return;
    case "short-length":
      rawAnswer(socket, record, `Content-Length: ${body.length}\r\n`, half);
      return;
    case "short-chunked":
      rawAnswer(socket, record, "Transfer-Encoding: chunked\r\n", Buffer.concat([Buffer.from(`${half.length.toString(16)}\r\n`), half, Buffer.from("\r\n")]));
      return;
    case "tampered-zip":
      send(response, record, flipped(body, firstEntryDataOffset(body)));
      return;
    case "info-other-version": {
      const info = JSON.parse(body.toString("utf8")) as { Version: string };
      send(response, record, Buffer.from(JSON.stringify({ ...info, Version: info.Version === "v1.0.0" ? "v1.1.0" : "v1.0.0" }) + "\n"));
      return;
    }
    case "mod-differs":
      send(response, record, Buffer.concat([body, Buffer.from("\n// not in the zip's go.mod\n")]));
      return;
    case "tile-truncated":
      send(response, record, half);
      return;
    case "tile-altered":
      send(response, record, flipped(body, Math.floor(body.length / 2)));
      return;
    case "lookup-altered": {
      // The first character of the zip hash: the record no longer matches the leaf the tree holds.
      const at = body.indexOf("h1:") + 3;
      send(response, record, Buffer.concat([body.subarray(0, at), Buffer.from(body[at] === 0x41 ? "B" : "A"), body.subarray(at + 1)]));
      return;
    }
  }
}

function send(response: http.ServerResponse, record: FaultedAnswer, body: Buffer): void {
  response.writeHead(200, { "Content-Length": body.length }).end(body);
  record.bytesSent = body.length;
}

/** Writes status line, `headers` and `body` straight to the socket, then closes it: framing no HTTP library would send. */
function rawAnswer(socket: Socket, record: FaultedAnswer, headers: string, body: Buffer): void {
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\n${headers}\r\n`), body]));
  record.bytesSent = body.length;
}

/**
 * Writes `next()` chunks, `total` bytes in all (forever when undefined),
 * pausing `pauseMs` between chunks; stops the moment the proxy closes the connection.
 */
function stream(response: http.ServerResponse, record: FaultedAnswer, total: number | undefined, pauseMs: number, next: () => Buffer): void {
  const pump = (): void => {
    while (!response.destroyed) {
      if (total !== undefined && record.bytesSent >= total) {
        response.end();
        return;
      }
      let chunk = next();
      if (total !== undefined) chunk = chunk.subarray(0, total - record.bytesSent);
      const more = response.write(chunk);
      record.bytesSent += chunk.length;
      if (!more) {
        response.once("drain", pauseMs > 0 ? () => setTimeout(pump, pauseMs) : pump);
        return;
      }
      if (pauseMs > 0) {
        setTimeout(pump, pauseMs);
        return;
      }
    }
  };
  pump();
}

/** Module, version and zip prefix of a "/<module>/@v/<version>.<ext>" path. */
function versionOf(path: string): { module: string; version: string; prefix: string } {
  const m = /^\/(.+)\/@v\/(.+)\.(zip|mod|info)$/.exec(path);
  if (!m) throw new Error(`not a version file path: ${path}`);
  const module = decodeCase(m[1]);
  const version = decodeCase(m[2]);
  return { module, version, prefix: `${module}@${version}/` };
}

/** Where the first local entry's data starts, plus half its compressed length (from the central directory). */
function firstEntryDataOffset(zip: Buffer): number {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const central = zip.readUInt32LE(end + 16);
  const compressed = zip.readUInt32LE(central + 20);
  return 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28) + Math.floor(compressed / 2);
}

function flipped(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] ^= 0xff;
  return copy;
}

let bombData: Buffer | undefined;
/** 501 MiB of zeros deflated (about half a MiB): built once. */
function zipBombData(): Buffer {
  bombData ??= zerosDeflated(501);
  return bombData;
}
