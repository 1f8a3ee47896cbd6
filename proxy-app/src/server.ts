import http from "node:http";
import { Readable } from "node:stream";
import type { Counter, Histogram } from "prom-client";
import { pipeline } from "node:stream/promises";
import { statusForError } from "./http-errors";
import { TokenAuthenticator } from "./auth";
import type { AccessRecorder } from "./access";
import type { Catalog } from "./catalog";
import { answerCatalog, isCatalogPath } from "./catalog-http";
import { Exchange, logAccess, logAudit, Logs } from "./logs";
import { CONTENT_TYPES, HotFile, IMMUTABLE_CACHE, MemoryTier } from "./memory-tier";
import { ProxyMetrics } from "./metrics";
import { InvalidPathError } from "./module-path";
import { Artifact } from "./artifact";
import { ModuleService } from "./module-service";
import { parseSumdbRequest, SumdbService } from "./sumdb";
import { parseModuleRequest } from "./protocol";
import { oneLine } from "./redact";
import { Storage, StorageUnavailableError } from "./storage/storage";
import { UpstreamError } from "./upstream/upstream";

/** list and @latest move when a version is tagged; a minute keeps shared caches close. */
const SHORT_CACHE = "public, max-age=60";
/** A full or refusing disk or bucket is not fixed at once; clients and caches that honour it back off this long. */
const STORAGE_RETRY_AFTER_SECONDS = 30;

export interface HandlerDeps {
  service: ModuleService;
  sumdb: SumdbService;
  storage: Storage;
  metrics: ProxyMetrics;
  log: (msg: string) => void;
  /** The access log, and the audit log of version files fetched; without them no line is written. */
  logs?: Logs;
  /** When set, module requests need a token; health and metrics stay open for probes and scrapers. */
  auth?: TokenAuthenticator;
  /** Checked immutable files answered straight from memory. */
  tier?: MemoryTier;
  /** Told of the version files the memory tier answers, which never reach the service (retention needs them). */
  access?: AccessRecorder;
  /** What the store holds, for /ui/, /catalog and /index; absent, those paths are not answered. */
  catalog?: Catalog;
  /** The /metrics text; by default this process's registry (a cluster worker asks for every worker's). */
  metricsText?: () => Promise<string>;
}

/** The HTTP face of the proxy: GOPROXY protocol plus health and metrics endpoints. */
export function createRequestHandler(deps: HandlerDeps): http.RequestListener {
  const hits = new HitMetrics(deps.metrics);
  const { logs } = deps;
  return (req, res) => {
    const x = new Exchange(req);
    handle(deps, hits, req, res, x).then(
      () => logs && logAccess(logs, x, req, res),
      (err: Error) => {
        deps.log(`internal error on ${req.method} ${req.url}: ${err.stack ?? err.message}`);
        if (!res.headersSent) sendText(res, x, 500, "internal error\n");
        else res.destroy(err);
        if (logs) logAccess(logs, x, req, res);
      },
    );
  };
}

/** Paths answered to anyone, so probes and scrapers need no token. */
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

async function handle(deps: HandlerDeps, hits: HitMetrics, req: http.IncomingMessage, res: http.ServerResponse, x: Exchange): Promise<void> {
  const started = x.started;
  const rawPath = x.path;
  if ((req.method === "GET" || req.method === "HEAD") && !OPEN_PATHS.has(rawPath)) {
    if (deps.auth) {
      x.client = await deps.auth.identify(req.headers.authorization);
      if (!x.client) {
        res.setHeader("X-Request-Id", x.id);
        res.setHeader("WWW-Authenticate", 'Basic realm="modproxy", charset="UTF-8"');
        sendText(res, x, 401, "a client token is needed: send it as the password in .netrc (any login) or as a Bearer token\n");
        deps.metrics.requests.inc({ kind: "unauthorized", status: "401" });
        return;
      }
    }
    // Storage keys are URL paths without the leading "/" and never hold a "%", so the raw path finds a held file as is.
    const key = rawPath.slice(1);
    const hot = deps.tier?.get(key);
    if (hot) {
      sendHot(req, res, hot, x);
      deps.access?.recordFile(key);
      hits.count(hot.kind, res.statusCode, started);
      if (hot.of && deps.logs?.audit) logAudit(deps.logs.audit, x, req, res.statusCode, hot.of);
      return;
    }
  }
  // Every other answer carries it through setHeader; a memory hit has it among its prepared headers.
  res.setHeader("X-Request-Id", x.id);
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    sendText(res, x, 405, `method ${req.method} not allowed: the module proxy protocol is read-only\n`);
    return;
  }
  switch (rawPath) {
    case "/healthz":
      sendText(res, x, 200, "ok\n");
      return;
    case "/readyz":
      try {
        await deps.storage.checkReady();
        sendText(res, x, 200, "ready\n");
      } catch (err) {
        res.setHeader("Retry-After", STORAGE_RETRY_AFTER_SECONDS);
        sendText(res, x, 503, `storage not ready: ${(err as Error).message}\n`);
      }
      return;
    case "/metrics":
      res.setHeader("Content-Type", deps.metrics.registry.contentType);
      sendBody(req, res, x, 200, Buffer.from(await (deps.metricsText ?? (() => deps.metrics.registry.metrics()))()));
      return;
  }
  let kind = "other";
  try {
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw new InvalidPathError("malformed percent-encoding in path");
    }
    if (path.startsWith("/sumdb/")) {
      const sreq = parseSumdbRequest(path.slice("/sumdb/".length));
      kind = `sumdb-${sreq.kind}`;
      const artifact = await deps.sumdb.serve(sreq);
      res.setHeader("Content-Type", sreq.kind === "tile" ? "application/octet-stream" : "text/plain; charset=utf-8");
      await sendArtifact(req, res, x, artifact);
      return;
    }
    if (deps.catalog && isCatalogPath(path)) {
      kind = "catalog";
      const answer = await answerCatalog(deps.catalog, path, x.query);
      // Behind the token like the modules it lists, and changing by the second: no shared or stored copies.
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("Content-Type", answer.contentType);
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
      if (answer.location) res.setHeader("Location", answer.location);
      sendBody(req, res, x, answer.location ? 301 : 200, answer.body);
      return;
    }
    const mreq = parseModuleRequest(path);
    if (!mreq) {
      res.setHeader("Cache-Control", "no-cache");
      sendText(res, x, 404, `not a module proxy path: ${rawPath}\n`);
      return;
    }
    kind = mreq.kind;
    if (mreq.kind === "list") {
      const versions = await deps.service.list(mreq, x);
      res.setHeader("Cache-Control", SHORT_CACHE);
      res.setHeader("Content-Type", CONTENT_TYPES.list);
      sendBody(req, res, x, 200, Buffer.from(versions.map((v) => v + "\n").join("")));
    } else if (mreq.kind === "latest") {
      const info = await deps.service.latest(mreq, x);
      res.setHeader("Cache-Control", SHORT_CACHE);
      res.setHeader("Content-Type", CONTENT_TYPES.latest);
      sendBody(req, res, x, 200, info);
    } else {
      const artifact = await deps.service.versionFile(mreq, x);
      res.setHeader("Content-Type", CONTENT_TYPES[mreq.kind]);
      await sendArtifact(req, res, x, artifact);
      if (deps.logs?.audit) logAudit(deps.logs.audit, x, req, res.statusCode, mreq);
    }
  } catch (err) {
    const status = statusForError(err);
    if (status === 500) throw err;
    // Clients get the short message; what the upstream said is for the operator.
    if (err instanceof UpstreamError && err.detail) deps.log(`${status} for ${rawPath}: ${err.message}; ${err.detail}`);
    if (err instanceof StorageUnavailableError) {
      deps.metrics.storageFailures.inc({ op: "read" });
      deps.log(`storage unavailable on ${req.url}: ${err.message}`);
      res.setHeader("Retry-After", STORAGE_RETRY_AFTER_SECONDS);
    }
    res.setHeader("Cache-Control", "no-cache");
    sendText(res, x, status, `${clientText(err as Error, status)}\n`);
  } finally {
    deps.metrics.requests.inc({ kind, status: String(res.statusCode) });
    deps.metrics.duration.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

/** The fast path: headers prepared when the file was taken into memory, the body sent as it is. */
function sendHot(req: http.IncomingMessage, res: http.ServerResponse, hot: HotFile, x: Exchange): void {
  x.cache = "hit-memory";
  if (hot.etag !== undefined && etagMatches(req.headers["if-none-match"], hot.etag)) {
    res.writeHead(304, ["ETag", hot.etag, "Cache-Control", IMMUTABLE_CACHE, "X-Request-Id", x.id]).end();
    return;
  }
  res.writeHead(200, hot.headers.concat("X-Request-Id", x.id));
  if (req.method === "HEAD") res.end();
  else {
    res.end(hot.body);
    x.bytes = hot.body.length;
  }
}

/** The metrics of a memory hit, with their label sets resolved once per kind rather than on every request. */
class HitMetrics {
  private readonly byKind = new Map<
    string,
    { ok: Counter.Internal; notModified: Counter.Internal; hit: Counter.Internal; duration: Histogram.Internal<string> }
  >();

  constructor(private readonly metrics: ProxyMetrics) {}

  count(kind: string, status: number, started: bigint): void {
    let m = this.byKind.get(kind);
    if (!m) {
      m = {
        ok: this.metrics.requests.labels({ kind, status: "200" }),
        notModified: this.metrics.requests.labels({ kind, status: "304" }),
        hit: this.metrics.cache.labels({ kind, result: "hit" }),
        duration: this.metrics.duration.labels({ kind }),
      };
      this.byKind.set(kind, m);
    }
    (status === 304 ? m.notModified : m.ok).inc();
    m.hit.inc();
    m.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}

async function sendArtifact(req: http.IncomingMessage, res: http.ServerResponse, x: Exchange, a: Artifact): Promise<void> {
  res.setHeader("Cache-Control", a.immutable ? IMMUTABLE_CACHE : SHORT_CACHE);
  if (a.etag !== undefined) {
    // The recorded hash of the content: the same on a miss, a hit, and on every replica.
    res.setHeader("ETag", a.etag);
    if (etagMatches(req.headers["if-none-match"], a.etag)) {
      discard(a.body);
      res.writeHead(304).end();
      return;
    }
  }
  if (Buffer.isBuffer(a.body)) {
    sendBody(req, res, x, 200, a.body);
    return;
  }
  if (a.size !== undefined) res.setHeader("Content-Length", a.size);
  res.writeHead(200);
  if (req.method === "HEAD") {
    discard(a.body);
    res.end();
    return;
  }
  const body = a.body;
  try {
    const sent = pipeline(body, res);
    // Counted as the client is given it: a download cut short logs what it got. Added once piping has begun, so
    // this listener does not start the flow before the response reads it.
    body.on("data", (chunk: Buffer) => (x.bytes += chunk.length));
    await sent;
  } catch {
    // The client went away or the upstream broke off: the response is already cut, nothing to answer.
  }
}

/**
 * What a client is told of a failure. The go command prints it into build
 * logs, so it is one short line; failures this proxy does not expect say no
 * more than their kind.
 */
function clientText(err: Error, status: number): string {
  if (err instanceof StorageUnavailableError) return `storage unavailable, retry shortly: ${oneLine(err.message, MAX_ERROR_TEXT)}`;
  return oneLine(err.message.split("\n")[0], MAX_ERROR_TEXT) || `status ${status}`;
}

const MAX_ERROR_TEXT = 400;

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.trim() === "*" || header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/** Drops a body the client will not get; a stream being stored keeps flowing to storage. */
function discard(body: Readable | Buffer): void {
  if (!Buffer.isBuffer(body)) body.destroy();
}

function sendBody(req: http.IncomingMessage, res: http.ServerResponse, x: Exchange, status: number, body: Buffer): void {
  res.setHeader("Content-Length", body.length);
  res.writeHead(status);
  if (req.method === "HEAD") res.end();
  else {
    res.end(body);
    x.bytes = body.length;
  }
}

function sendText(res: http.ServerResponse, x: Exchange, status: number, text: string): void {
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  sendBody(res.req, res, x, status, Buffer.from(text));
}
