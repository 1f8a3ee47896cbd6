import type { ProxyMetrics } from "../metrics";
import { NotFoundError, Upstream, UpstreamConnectionError, UpstreamError, UpstreamResponse, UpstreamStatusError, UpstreamTimeoutError } from "./upstream";

/** The upstream is down and was not asked: "|" falls through at once instead of after a timeout. */
export class UpstreamDownError extends UpstreamError {}

export interface HealthOptions {
  /** Ceiling of the first down window; each failed probe doubles it. Default 2 s. */
  initialBackoffMs?: number;
  /** Largest ceiling of a down window. Default 5 min. */
  maxBackoffMs?: number;
  /** Milliseconds on a clock that never goes back, unlike the wall clock. Default performance.now. */
  now?: () => number;
  /** A number in [0, 1) drawn for each window's jitter. Default Math.random. */
  random?: () => number;
  /** Runs `run` after `ms`; must not keep the process alive. Default an unreferenced setTimeout. */
  schedule?: (run: () => void, ms: number) => void;
  /** What the background probe asks for. Default the upstream's base URL. */
  probePath?: string;
  /** Whether an outage on `path` takes the upstream down. Default: any path but a checksum database's. */
  counts?: (path: string) => boolean;
}

/**
 * What a probe asks for: the upstream's base URL, which any GOPROXY server
 * answers from memory (often with 404), where a module path may make a
 * caching proxy fetch from version control first.
 */
const PROBE_PATH = "";

/**
 * Statuses with which a server says it can serve nothing right now. Any other
 * answer, 500 included (a GOPROXY server's failure to fetch one module), says
 * the upstream is reachable and other paths may well work.
 */
const OUTAGE_STATUSES = new Set([502, 503, 504]);

/**
 * Where a proxy relays the checksum databases it serves (go.dev/ref/mod#checksum-database).
 * A failure there is the database's as often as the proxy's, and must not
 * stop the modules the proxy still serves.
 */
const SUMDB_PREFIX = "sumdb/";

/** True when the upstream is out of reach or says it is unavailable. */
function isOutage(err: unknown): boolean {
  return (
    err instanceof UpstreamTimeoutError || err instanceof UpstreamConnectionError || (err instanceof UpstreamStatusError && OUTAGE_STATUSES.has(err.status))
  );
}

/** True when the failure is an HTTP answer from the upstream, so it is up. */
function isAnswer(err: unknown): boolean {
  return err instanceof NotFoundError || (err instanceof UpstreamStatusError && !OUTAGE_STATUSES.has(err.status));
}

function resultOf(err: unknown): "not_found" | "timeout" | "error" {
  if (err instanceof NotFoundError) return "not_found";
  if (err instanceof UpstreamTimeoutError) return "timeout";
  return "error";
}

/**
 * An upstream proxy that is skipped while it is down, so a black hole costs
 * one timeout instead of one per request. A timeout, a failed connection or a
 * 502/503/504 marks it down for a window drawn with full jitter from a
 * ceiling that starts at `initialBackoffMs` and doubles with every failed
 * probe up to `maxBackoffMs` (a failure of a checksum-database path does not
 * count). While down, fetches fail at once with
 * UpstreamDownError without reaching the upstream. When the window ends a
 * single background probe asks the upstream; any answer marks it up and
 * resets the ceiling, no answer opens the next window. A request that was
 * already in flight and gets an answer marks it up too.
 */
export class HealthTrackedUpstream implements Upstream {
  readonly name: string;
  private up = true;
  /** Bumped on every change between up and down, so an outcome that started before one cannot undo it. */
  private episode = 0;
  private failedProbes = 0;
  private retryAt = 0;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly probePath: string;
  private readonly counts: (path: string) => boolean;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly schedule: (run: () => void, ms: number) => void;

  /** `host` names the upstream in metrics and messages: host and port only, never a path or credentials. */
  constructor(
    private readonly inner: Upstream,
    private readonly host: string,
    private readonly metrics: ProxyMetrics,
    options: HealthOptions = {},
  ) {
    this.name = inner.name;
    this.initialBackoffMs = options.initialBackoffMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
    this.probePath = options.probePath ?? PROBE_PATH;
    this.counts = options.counts ?? ((path) => !path.startsWith(SUMDB_PREFIX));
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.schedule = options.schedule ?? ((run, ms) => setTimeout(run, ms).unref());
    metrics.upstreamUp.set({ upstream: host }, 1);
  }

  isUp(): boolean {
    return this.up;
  }

  async fetch(path: string): Promise<UpstreamResponse> {
    if (!this.up) {
      this.metrics.upstreamFetches.inc({ upstream: this.host, result: "skipped_down" });
      const seconds = Math.ceil(Math.max(0, this.retryAt - this.now()) / 1000);
      throw new UpstreamDownError(`upstream ${this.host} is unreachable; retrying in ${seconds}s`);
    }
    const episode = this.episode;
    const started = this.now();
    try {
      const res = await this.inner.fetch(path);
      this.record(started, "ok");
      this.markUp();
      return res;
    } catch (err) {
      this.record(started, resultOf(err));
      if (isAnswer(err)) this.markUp();
      else if (isOutage(err) && this.counts(path) && episode === this.episode) this.markDown();
      throw err;
    }
  }

  private record(started: number, result: "ok" | "not_found" | "timeout" | "error"): void {
    this.metrics.upstreamFetches.inc({ upstream: this.host, result });
    this.metrics.upstreamFetchSeconds.observe({ upstream: this.host }, (this.now() - started) / 1000);
  }

  private markUp(): void {
    if (this.up) return;
    this.up = true;
    this.episode++;
    this.failedProbes = 0;
    this.metrics.upstreamUp.set({ upstream: this.host }, 1);
  }

  private markDown(): void {
    this.up = false;
    this.episode++;
    this.metrics.upstreamUp.set({ upstream: this.host }, 0);
    this.openWindow();
  }

  private openWindow(): void {
    const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** this.failedProbes);
    const wait = this.random() * ceiling;
    this.retryAt = this.now() + wait;
    const episode = this.episode;
    this.schedule(() => void this.probe(episode), wait);
  }

  /** Runs when a window ends, unless the upstream came back (or went down again) since it opened. */
  private async probe(episode: number): Promise<void> {
    if (episode !== this.episode) return;
    try {
      const res = await this.inner.fetch(this.probePath);
      res.body.destroy();
      this.markUp();
    } catch (err) {
      if (isAnswer(err)) {
        this.markUp();
      } else if (episode === this.episode) {
        this.failedProbes++;
        this.openWindow();
      }
    }
  }
}
