import { HttpProxyOptions, HttpProxyUpstream } from "./http-proxy";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamResponse } from "./upstream";

/** One entry of a GOPROXY-style list and how a failure of it is treated. */
export interface UpstreamListEntry {
  /** A proxy URL, "direct" (version control, through the go command) or "off". */
  target: string;
  /** True when a "|" follows the entry: fall through on any error, not only 404/410. */
  fallThroughOnError: boolean;
}

export class UpstreamListError extends Error {}

/**
 * Parses a list in GOPROXY syntax: entries separated by "," (next entry only
 * after a 404/410) or "|" (next entry after any error). "off" forbids lookups;
 * "direct" fetches from version control.
 */
export function parseUpstreamList(list: string): UpstreamListEntry[] {
  const entries: UpstreamListEntry[] = [];
  const tokens = list.trim().split(/([,|])/);
  for (let i = 0; i < tokens.length; i += 2) {
    const target = tokens[i].trim();
    const sep = tokens[i + 1];
    if (target === "") {
      throw new UpstreamListError(`upstream list "${list}" has an empty entry`);
    }
    if (target !== "off" && target !== "direct") {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        throw new UpstreamListError(`upstream list "${list}": "${target}" is not a URL`);
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new UpstreamListError(`upstream list "${list}": "${target}" must be an http or https URL`);
      }
      if (url.search || url.hash) {
        throw new UpstreamListError(`upstream list "${list}": "${target}" must not carry a query or fragment`);
      }
    }
    entries.push({ target, fallThroughOnError: sep === "|" });
  }
  if (entries.length === 0) throw new UpstreamListError("upstream list is empty");
  return entries;
}

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
        return await upstream.fetch(path);
      } catch (err) {
        last = err;
        if (err instanceof NotFoundError || (fallThroughOnError && !(err instanceof LookupDisabledError))) continue;
        throw err;
      }
    }
    throw last;
  }
}

/** True when the list has a "direct" entry, which needs the go command. */
export function listsDirect(list: string): boolean {
  return parseUpstreamList(list).some((e) => e.target === "direct");
}

export interface UpstreamListOptions extends HttpProxyOptions {
  /** Bounds every proxy request (see HttpProxyUpstream). */
  timeoutMs: number;
  /** Answers "direct" entries. */
  direct?: Upstream;
}

/** Builds the chain for a GOPROXY-style list. */
export function upstreamFromList(list: string, options: UpstreamListOptions): UpstreamChain {
  const { timeoutMs, direct, ...http } = options;
  return new UpstreamChain(
    parseUpstreamList(list).map(({ target, fallThroughOnError }) => {
      if (target === "direct" && direct === undefined) throw new UpstreamListError(`upstream list "${list}" has "direct" but no direct upstream was given`);
      return {
        upstream: target === "off" ? new DisabledUpstream() : target === "direct" ? (direct as Upstream) : new HttpProxyUpstream(target, timeoutMs, http),
        fallThroughOnError,
      };
    }),
  );
}
