import { randomUUID } from "node:crypto";
import { openSync } from "node:fs";
import type http from "node:http";
import pino, { DestinationStream, Logger } from "pino";
import { prettyFactory } from "pino-pretty";
import type { ClientIdentity } from "./auth";
import type { LogFormat, LogLevel } from "./config";
import type { VersionFileRequest } from "./protocol";
import { clip, withoutUserinfo } from "./redact";

// `modproxy serve` writes JSON lines to stdout: events (start, stop, what went
// wrong), one access line per request and, when MODPROXY_AUDIT_LOG says stdout,
// one audit line per version file a client fetched. Every line carries `type`
// ("event", "access", "audit") for log shippers to route on.

/** What the cache did for a request; a fixed set, so dashboards and alerts can count on it. */
export type CacheResult =
  /** Answered from the memory tier, without touching storage. */
  | "hit-memory"
  /** From storage, or a list/@latest answer still fresh. */
  | "hit"
  /** Fetched from an upstream (`upstream` names it) and stored. */
  | "miss"
  /** A stored answer served because the upstreams failed or were slow. */
  | "stale"
  /** Not cacheable (a query such as a branch name, a checksum database the proxy does not know), passed through. */
  | "bypass";

/**
 * A line can exceed no pipe's atomic write size (PIPE_BUF, 4096 on Linux): each
 * write holds whole lines within it, so the lines of workers sharing stdout never
 * interleave mid-line.
 */
const MAX_WRITE = 4096;
/** Lines held while stdout or the audit file cannot take them; past it new lines are dropped rather than memory exhausted. */
const MAX_BUFFERED = 16 * 1024 * 1024;
/** A request path longer than this is cut in the log, so the line stays within MAX_WRITE. */
const MAX_PATH = 1024;
/** Event messages (an upstream's complaint, a stack trace) are cut here, for the same reason. */
const MAX_MESSAGE = 3000;

const REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

/** The request being answered, as its access line will describe it; the handler fills it in as it learns. */
export class Exchange {
  readonly started = process.hrtime.bigint();
  /** Body bytes sent. */
  bytes = 0;
  cache?: CacheResult;
  /** The upstream that served a miss: host and port, or "direct". */
  upstream?: string;
  client?: ClientIdentity;
  /** An X-Request-Id the client sent, if it is a plain token of at most 128 characters; otherwise a new UUID. */
  readonly id: string;
  /** The URL's path as sent, without its query: what the handler routes on and the access line shows. */
  readonly path: string;
  /** The URL's query without its "?" ("" when none): never logged, where a careless client might put a secret. */
  readonly query: string;

  constructor(req: http.IncomingMessage) {
    const requestId = req.headers["x-request-id"];
    this.id = typeof requestId === "string" && REQUEST_ID.test(requestId) ? requestId : randomUUID();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    this.path = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? "" : url.slice(q + 1);
  }
}

export class AuditLogError extends Error {}

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
  /** "off", "stdout", or a file the audit lines are appended to. */
  audit: string;
}

export interface Logs {
  /** Start, stop and what went wrong; `warn` by default for what the proxy's parts report. */
  events: Logger;
  access: Logger;
  /** Absent when the audit log is off. */
  audit?: Logger;
}

export interface LogOutput {
  /** Where stdout's lines go; by default file descriptor 1. */
  stdout?: DestinationStream;
  /** Whether stdout is a terminal, for the "auto" format; by default asked of the process. */
  isTTY?: boolean;
}

/** The loggers of `modproxy serve`; throws AuditLogError when the audit file cannot be opened for appending. */
export function createLogs(settings: LogSettings, out: LogOutput = {}): Logs {
  const pretty = settings.format === "pretty" || (settings.format === "auto" && (out.isTTY ?? process.stdout.isTTY === true));
  const raw = out.stdout ?? pino.destination({ fd: 1, sync: false, maxWrite: MAX_WRITE, maxLength: MAX_BUFFERED });
  const stdout = pretty ? prettyStream(raw) : raw;
  const root = pino(
    {
      ...SHARED_OPTIONS,
      level: settings.level,
      // Whatever a part of the proxy says about a URL, its userinfo stays out of the log.
      hooks: {
        logMethod(args, method) {
          if (typeof args[0] === "string") args[0] = withoutUserinfo(clip(args[0], MAX_MESSAGE));
          method.apply(this, args);
        },
      },
    },
    stdout,
  );
  return { events: root.child({ type: "event" }), access: root.child({ type: "access" }), audit: auditLogger(settings.audit, stdout) };
}

/** What every logger shares: ISO times and level names, which SIEM parsers read without a mapping. */
const SHARED_OPTIONS: pino.LoggerOptions = { timestamp: isoTime, formatters: { level: (label) => ({ level: label }) } };

let lastMs = 0;
let lastTime = "";

/** pino's ISO time, formatted once a millisecond: under load many lines share one, and formatting each was a tenth of logging's cost. */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

function auditLogger(destination: string, stdout: DestinationStream): Logger | undefined {
  if (destination === "off") return undefined;
  // The audit stream has a switch of its own: MODPROXY_LOG_LEVEL does not silence it.
  const audit = (dest: DestinationStream) => pino({ ...SHARED_OPTIONS, level: "info" }, dest).child({ type: "audit" });
  if (destination === "stdout") return audit(stdout);
  let fd: number;
  try {
    fd = openSync(destination, "a");
  } catch (err) {
    throw new AuditLogError(`cannot append to the audit log ${destination}: ${(err as Error).message}`);
  }
  return audit(pino.destination({ fd, sync: false, maxWrite: MAX_WRITE, maxLength: MAX_BUFFERED }));
}

/** Human-readable lines for a terminal, one per record. */
function prettyStream(dest: DestinationStream): DestinationStream {
  const prettify = prettyFactory({
    colorize: true,
    ignore: "pid,hostname,type",
    translateTime: "SYS:HH:MM:ss.l",
    messageFormat: "{if method}{method} {path} {status} {durationMs}ms{end}{if module}{client} fetched {module}@{version} .{file}{end}{msg}",
  });
  return { write: (line: string) => dest.write(prettify(line)) };
}

/** The access line of a request that has been answered. */
export function logAccess(logs: Logs, x: Exchange, req: http.IncomingMessage, res: http.ServerResponse): void {
  logs.access.info({
    reqId: x.id,
    method: req.method,
    path: clip(x.path, MAX_PATH),
    status: res.statusCode,
    bytes: x.bytes,
    durationMs: Math.round(Number(process.hrtime.bigint() - x.started) / 1e3) / 1e3,
    cache: x.cache,
    upstream: x.upstream,
    client: x.client?.label,
    remote: req.socket.remoteAddress,
  });
}

/** The audit line of a version file a client was given: who (never the token), which module version, from where. */
export function logAudit(
  audit: Logger,
  x: Exchange,
  req: http.IncomingMessage,
  status: number,
  file: Pick<VersionFileRequest, "module" | "version" | "kind">,
): void {
  audit.info({
    reqId: x.id,
    client: x.client?.label,
    tokenId: x.client?.id,
    module: file.module,
    version: file.version,
    file: file.kind,
    status,
    remote: req.socket.remoteAddress,
    forwardedFor: clip(String(req.headers["x-forwarded-for"] ?? ""), MAX_PATH) || undefined,
  });
}
