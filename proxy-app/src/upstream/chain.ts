import { HttpProxyUpstream } from "./http-proxy";
import { LookupDisabledError, NotFoundError, Upstream, UpstreamResponse } from "./upstream";

/** One entry of a GOPROXY-style list and how a failure of it is treated. */
export interface UpstreamListEntry {
  /** A proxy URL, or "off". */
  target: string;
  /** True when a "|" follows the entry: fall through on any error, not only 404/410. */
  fallThroughOnError: boolean;
}

export class UpstreamListError extends Error {}

/**
 * Parses a list in GOPROXY syntax: entries separated by "," (next entry only
 * after a 404/410) or "|" (next entry after any error). "off" forbids lookups.
 * "direct" is refused: fetching straight from version control is not built yet.
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
    if (target === "direct") {
      throw new UpstreamListError(
        `upstream list "${list}": "direct" (fetching from version control) is not supported; list proxy URLs, optionally ending in "off"`,
      );
    }
    if (target !== "off") {
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

/** Builds the chain for a GOPROXY-style list; `timeoutMs` applies to every request. */
export function upstreamFromList(list: string, timeoutMs: number): UpstreamChain {
  return new UpstreamChain(
    parseUpstreamList(list).map(({ target, fallThroughOnError }) => ({
      upstream: target === "off" ? new DisabledUpstream() : new HttpProxyUpstream(target, timeoutMs),
      fallThroughOnError,
    })),
  );
}
