/** GOPROXY-syntax upstream lists: parsed, and shown without secrets. Apart from the upstreams themselves, so the settings table loads without them. */
import { withoutUserinfo } from "../redact";

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
 * "direct" fetches from version control. Messages show entries as
 * describeUpstream does, so a mistyped list never prints a secret.
 */
export function parseUpstreamList(list: string): UpstreamListEntry[] {
  const entries: UpstreamListEntry[] = [];
  const tokens = list.trim().split(/([,|])/);
  for (let i = 0; i < tokens.length; i += 2) {
    const target = tokens[i].trim();
    const sep = tokens[i + 1];
    const n = i / 2 + 1;
    if (target === "") {
      throw new UpstreamListError(`upstream list has an empty entry (entry ${n})`);
    }
    if (target !== "off" && target !== "direct") {
      const shown = describeUpstream(target);
      if (!URL.canParse(target)) throw new UpstreamListError(`upstream list entry ${n}: "${shown}" is not a URL`);
      const url = new URL(target);
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new UpstreamListError(`upstream list entry ${n}: "${shown}" must be an http or https URL`);
      }
      if (url.username !== "" || url.password !== "") {
        throw new UpstreamListError(
          `upstream list entry ${n} (${shown}) carries credentials in its URL: put them in the netrc file MODPROXY_VCS_CREDENTIALS_FILE`,
        );
      }
      if (url.search || url.hash) {
        throw new UpstreamListError(`upstream list entry ${n}: "${shown}" must not carry a query or fragment`);
      }
    }
    entries.push({ target, fallThroughOnError: sep === "|" });
  }
  if (entries.length === 0) throw new UpstreamListError("upstream list is empty");
  return entries;
}

/**
 * An upstream entry as messages show it: scheme and host, with "/..." for
 * whatever follows (a path may hold a token), never userinfo.
 */
export function describeUpstream(target: string): string {
  const url = URL.canParse(target) ? new URL(target) : undefined;
  if (url && url.host !== "") return `${url.protocol}//${url.host}${url.pathname === "/" && !url.search && !url.hash ? "" : "/..."}`;
  return withoutUserinfo(target).replace(/^[^/@]*@/, "");
}

/** A whole GOPROXY-syntax list as describeUpstream shows its entries, separators kept. */
export function describeUpstreamList(list: string): string {
  return list
    .split(/([,|])/)
    .map((part, i) => (i % 2 === 1 || ["", "off", "direct"].includes(part.trim()) ? part : describeUpstream(part.trim())))
    .join("");
}

/** True when the list has a "direct" entry, which needs the go command. */
export function listsDirect(list: string): boolean {
  return parseUpstreamList(list).some((e) => e.target === "direct");
}
