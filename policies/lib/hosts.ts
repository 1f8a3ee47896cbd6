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

/**
 * IP literals a setting value points at, excluding loopback and unspecified addresses, which are
 * bind addresses rather than remote endpoints. The value is split on list, DSN and whitespace separators.
 */
export function remoteIpLiterals(value: string): string[] {
  return (
    value
      .split(/[\s,|;=]+/)
      // Network ranges (10.0.0.0/16) are routing config, not endpoints.
      .filter((token) => !/^[0-9a-f.:]+\/\d{1,3}$/i.test(token))
      .map(hostOf)
      .filter((h): h is string => h !== undefined && isIP(h) !== 0 && !isLoopbackOrUnspecified(h))
  );
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
