import type { Readable } from "node:stream";

/** A body an upstream returned, streamed. */
export interface UpstreamResponse {
  body: Readable;
  /** Content-Length when the upstream sent one. */
  size?: number;
  /** Which entry of the upstream list answered: its host and port, or "direct"; never a path or credentials. */
  from?: string;
}

/**
 * Where modules come from when they are not cached. `path` is the GOPROXY
 * protocol path, already case-encoded, e.g. "example.com/!foo/@v/list".
 * Implementations throw the errors below so the chain can decide whether to
 * fall through.
 */
export interface Upstream {
  readonly name: string;
  fetch(path: string): Promise<UpstreamResponse>;
}

/** The upstream does not have it (HTTP 404/410): every GOPROXY separator falls through. */
export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 410 = 404,
  ) {
    super(message);
  }
}

/**
 * The upstream failed: bad status, network error. Only "|" falls through.
 * The message is for clients; `detail` (what the upstream said) only for the log.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The upstream did not answer in time. Only "|" falls through. */
export class UpstreamTimeoutError extends UpstreamError {}

/** No answer came: the connection could not be made or broke before the response. */
export class UpstreamConnectionError extends UpstreamError {}

/** The upstream answered with a status that is neither 200 nor 404/410. */
export class UpstreamStatusError extends UpstreamError {
  constructor(
    message: string,
    readonly status: number,
    detail?: string,
  ) {
    super(message, detail);
  }
}

/** Lookups are switched off ("off" in the list): nothing falls through it. */
export class LookupDisabledError extends Error {}
