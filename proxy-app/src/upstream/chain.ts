import type { ProxyMetrics } from "../metrics";
import { HealthOptions, HealthTrackedUpstream } from "./health";
import { HttpProxyOptions, HttpProxyUpstream } from "./http-proxy";
import { parseUpstreamList, UpstreamListError } from "./list";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamResponse } from "./upstream";

class DisabledUpstream implements Upstream {
  readonly name = "off";
  async fetch(path: string): Promise<UpstreamResponse> {
    throw new LookupDisabledError(`module lookup disabled by upstream "off" for ${path}`);
  }
}

/** Tries upstreams in order with the GOPROXY fall-through rules. */
export class UpstreamChain implements Upstream {
  readonly name: string;

  constructor(private readonly links: { upstream: Upstream; fallThroughOnError: boolean }[]) {
    this.name = links.map((l) => l.upstream.name).join(",");
  }

  async fetch(path: string): Promise<UpstreamResponse> {
    let last: unknown = new NotFoundError(`no upstream has ${path}`);
    for (const { upstream, fallThroughOnError } of this.links) {
      try {
        const res = await upstream.fetch(path);
        res.from ??= upstream.name;
        return res;
      } catch (err) {
        last = err;
        if (err instanceof NotFoundError || (fallThroughOnError && !(err instanceof LookupDisabledError))) continue;
        throw err;
      }
    }
    throw last;
  }
}

export interface UpstreamListOptions extends HttpProxyOptions {
  /** Bounds every request to a proxy entry (see HttpProxyUpstream). */
  timeoutMs: number;
  metrics: ProxyMetrics;
  /** Answers "direct" entries. */
  direct?: Upstream;
  /** Backoff and, for tests, clock and randomness of the proxy entries' health tracking. */
  health?: HealthOptions;
}

/**
 * Builds the chain for a GOPROXY-style list. Each proxy entry is skipped
 * while it is down (see HealthTrackedUpstream); "direct" and "off" are not
 * tracked, as neither is a server that can be out of reach as a whole.
 */
export function upstreamFromList(list: string, options: UpstreamListOptions): UpstreamChain {
  return new UpstreamChain(parseUpstreamList(list).map(({ target, fallThroughOnError }) => ({ upstream: entryUpstream(target, options), fallThroughOnError })));
}

function entryUpstream(target: string, { timeoutMs, metrics, direct, health, ...http }: UpstreamListOptions): Upstream {
  if (target === "off") return new DisabledUpstream();
  if (target === "direct") {
    if (direct === undefined) throw new UpstreamListError('the upstream list has "direct" but no direct upstream was given');
    return direct;
  }
  // URL.host is host and port: the metrics label carries neither the path nor credentials.
  return new HealthTrackedUpstream(new HttpProxyUpstream(target, timeoutMs, http), new URL(target).host, metrics, health);
}
