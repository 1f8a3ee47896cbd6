import { isIP } from "node:net";

// One place that knows how to find hosts in the settings workloads carry: GOPROXY-style lists,
// URLs, host:port pairs and DSN fragments.

/** Suffixes that only resolve inside a Kubernetes cluster (plus the bare service-name form, which has no dot). */
export const defaultClusterDomainSuffixes = [".svc", ".svc.cluster.local", ".cluster.local"];

/** Suffixes of names that never resolve on the public internet. */
export const defaultInternalDomainSuffixes = [...defaultClusterDomainSuffixes, ".internal", ".local", ".corp", ".lan", ".home.arpa"];

/** Splits a GOPROXY-syntax list (entries separated by "," or "|") into its trimmed, non-empty entries. */
export function goproxyEntries(value: string): string[] {
  return value
    .split(/[,|]/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

/**
 * The host a token names, whatever its shape: `https://user@host:8443/path`, `host:5432`,
 * `[::1]:80`, `host/module/path`. Returns undefined for an empty token.
 */
export function hostOf(token: string): string | undefined {
  let rest = token.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  rest = rest.slice(rest.lastIndexOf("@", firstIndexOrLength(rest, "/")) + 1);
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    return close > 0 ? rest.slice(1, close) : undefined;
  }
  rest = rest.slice(0, firstIndexOrLength(rest, "/", "?", "#"));
  if (isIP(rest) === 6) {
    return rest;
  }
  const host = rest.replace(/:\d*$/, "");
  return host.length > 0 ? host.toLowerCase() : undefined;
}

function firstIndexOrLength(text: string, ...needles: string[]): number {
  const found = needles.map((n) => text.indexOf(n)).filter((i) => i >= 0);
  return found.length > 0 ? Math.min(...found) : text.length;
}

function isLoopbackOrUnspecified(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::" || ip === "::1" || ip.startsWith("127.");
}

/** An IP literal as a number and its width in bits, for prefix arithmetic; undefined for anything else. */
function addressBits(ip: string): { value: bigint; width: number } | undefined {
  const version = isIP(ip);
  if (version === 0) {
    return undefined;
  }
  if (version === 4) {
    return { value: ip.split(".").reduce((acc, octet) => (acc << 8n) + BigInt(octet), 0n), width: 32 };
  }
  // Eight 16-bit groups: a dotted IPv4 tail becomes two, "::" the zero groups it stands for.
  const hex = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${(+a * 256 + +b).toString(16)}:${(+c * 256 + +d).toString(16)}`);
  const [head, tail] = hex.split("::");
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const zeros = tail === undefined ? [] : Array<string>(8 - groups(head).length - groups(tail).length).fill("0");
  const value = [...groups(head), ...zeros, ...groups(tail)].reduce((acc, group) => (acc << 16n) + BigInt(parseInt(group, 16)), 0n);
  return { value, width: 128 };
}

/** True for a network range (10.0.0.0/16): its address has no host bits and it spans more than one address. */
function isNetworkRange(token: string): boolean {
  const match = /^(.+)\/(\d{1,3})$/.exec(token);
  const bits = match ? addressBits(match[1]) : undefined;
  if (!match || !bits) {
    return false;
  }
  const hostBits = bits.width - Number(match[2]);
  return hostBits > 0 && (bits.value & ((1n << BigInt(hostBits)) - 1n)) === 0n;
}

/**
 * IP literals a setting value points at, excluding loopback and unspecified addresses, which are
 * bind addresses rather than remote endpoints. The value is split on list, DSN and whitespace
 * separators. Network ranges are routing config, not endpoints; a single-host range (10.0.0.5/32)
 * or an address written with its prefix (10.0.0.5/24) names that host.
 */
export function remoteIpLiterals(value: string): string[] {
  return value
    .split(/[\s,|;=]+/)
    .filter((token) => !isNetworkRange(token))
    .map(hostOf)
    .filter((h): h is string => h !== undefined && isIP(h) !== 0 && !isLoopbackOrUnspecified(h));
}

/**
 * The hosts a GOPRIVATE-style pattern (GOINSECURE, GONOSUMDB) can match, read from its first path
 * element: `exact` when that has no glob characters; otherwise `domain` is the glob-free tail it is
 * pinned under ("corp.example.com" for "*.corp.example.com", "" for "*", "g*" or "github.*").
 */
export function patternHost(pattern: string): { exact: boolean; domain: string } {
  const labels = pattern.split("/")[0].toLowerCase().split(".");
  let start = labels.length;
  while (start > 0 && !/[*?[\\]/.test(labels[start - 1])) {
    start--;
  }
  return { exact: start === 0, domain: labels.slice(start).join(".") };
}

export function hasDomainSuffix(host: string, suffixes: readonly string[]): boolean {
  return suffixes.some((s) => host === s.replace(/^\./, "") || host.endsWith(s.startsWith(".") ? s : `.${s}`));
}

/** True for names that only resolve inside the cluster: bare service names, cluster suffixes, loopback. */
export function isClusterInternalHost(host: string, clusterSuffixes: readonly string[]): boolean {
  if (host === "localhost" || (isIP(host) !== 0 && isLoopbackOrUnspecified(host))) {
    return true;
  }
  return (isIP(host) === 0 && !host.includes(".")) || hasDomainSuffix(host, clusterSuffixes);
}

/** Entries of a setting value that are plain-http URLs to hosts outside the cluster. */
export function plainHttpUrlsLeavingCluster(value: string, clusterSuffixes: readonly string[]): string[] {
  return value
    .split(/[\s,|]+/)
    .filter((token) => /^http:\/\//i.test(token))
    .filter((token) => {
      const host = hostOf(token);
      return host === undefined || !isClusterInternalHost(host, clusterSuffixes);
    });
}
