import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { domainToASCII } from "node:url";
import { withoutUserinfo } from "../redact";

/** HTTPS_PROXY, HTTP_PROXY or NO_PROXY holds something that is not a usable proxy. */
export class EgressConfigError extends Error {}

export interface EgressSettings {
  /** Proxy of http:// upstreams, reached with absolute-form requests. */
  httpProxy?: URL;
  /** Proxy of https:// upstreams, reached with CONNECT tunnels. */
  httpsProxy?: URL;
  /** Hosts reached without a proxy, in NO_PROXY syntax. */
  noProxy?: string;
  /** PEM certificates trusted besides Node's own roots, e.g. a TLS-intercepting proxy's CA. */
  extraCa?: string;
}

/**
 * How the proxy's own HTTP(S) requests leave the host: straight, or through
 * the corporate proxy the environment names, with keep-alive connection pools
 * (tunnels included) that `close` ends.
 */
export class Egress {
  private readonly httpsProxy?: URL;
  private readonly httpProxy?: URL;
  private readonly noProxy: NoProxy;
  private readonly ca?: string[];
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;
  private readonly tunnelAgent?: TunnelAgent;

  constructor(settings: EgressSettings = {}) {
    this.httpProxy = settings.httpProxy;
    this.httpsProxy = settings.httpsProxy;
    this.noProxy = new NoProxy(settings.noProxy ?? "");
    // Setting `ca` replaces Node's roots, so they are given again alongside the extra ones.
    this.ca = settings.extraCa === undefined ? undefined : [...tls.rootCertificates, settings.extraCa];
    this.httpsAgent = new https.Agent({ keepAlive: true, ca: this.ca });
    if (this.httpsProxy) this.tunnelAgent = new TunnelAgent(this.httpsProxy, { keepAlive: true, ca: this.ca });
  }

  /**
   * Reads the variables as Go's net/http does (upper case first, then lower
   * case; the first non-empty wins), refusing a value Go would not use rather
   * than silently going direct.
   */
  static fromEnv(env: NodeJS.ProcessEnv, extraCa?: string): Egress {
    const httpsProxy = proxyFromEnv(env, "HTTPS_PROXY", "https_proxy");
    const httpProxy = proxyFromEnv(env, "HTTP_PROXY", "http_proxy");
    return new Egress({ httpsProxy, httpProxy, noProxy: firstSet(env, "NO_PROXY", "no_proxy")?.value, extraCa });
  }

  /** The proxy a request to `url` goes through, or undefined when it goes straight. */
  proxyFor(url: URL): URL | undefined {
    const proxy = url.protocol === "https:" ? this.httpsProxy : url.protocol === "http:" ? this.httpProxy : undefined;
    return proxy && !this.noProxy.bypasses(url) ? proxy : undefined;
  }

  /** A GET of `url`, by whichever route applies; the caller ends it. */
  get(url: URL, options: { headers: http.OutgoingHttpHeaders; timeout: number }): http.ClientRequest {
    const proxy = this.proxyFor(url);
    if (url.protocol === "https:") {
      return https.get(url, { ...options, agent: proxy ? this.tunnelAgent : this.httpsAgent });
    }
    if (!proxy) return http.get(url, { ...options, agent: this.httpAgent });
    const viaTls = proxy.protocol === "https:";
    return (viaTls ? https : http).get({
      host: bareHost(proxy),
      port: portOf(proxy),
      path: url.href,
      headers: { ...options.headers, host: url.host, ...proxyAuthorization(proxy) },
      timeout: options.timeout,
      agent: viaTls ? this.httpsAgent : this.httpAgent,
      servername: proxyServername(proxy),
    });
  }

  /** Closes the pooled connections, tunnels included. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.tunnelAgent?.destroy();
  }
}

/**
 * An https.Agent whose connections are TLS sessions inside CONNECT tunnels
 * through one proxy; pooled like any other, so a tunnel carries many requests.
 */
class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = once(callback ?? (() => {}));
    const target = `${net.isIPv6(options.host ?? "") ? `[${options.host}]` : options.host}:${options.port}`;
    const proxyTls = this.proxy.protocol === "https:";
    const connect = (proxyTls ? https : http).request({
      host: bareHost(this.proxy),
      port: portOf(this.proxy),
      method: "CONNECT",
      path: target,
      headers: { host: target, ...proxyAuthorization(this.proxy) },
      agent: false,
      timeout: options.timeout,
      ...(proxyTls ? { ca: this.options.ca, servername: proxyServername(this.proxy) } : {}),
    });
    connect.once("connect", (res: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299 || head.length > 0) {
        socket.destroy();
        const why = head.length > 0 ? "sent data before the tunnel was used" : `answered ${status} to CONNECT`;
        done(new Error(`proxy ${this.proxy.host} ${why}`), socket);
        return;
      }
      // The request's own timeout takes over once the socket is handed to it.
      socket.setTimeout(0);
      const secure = tls.connect({
        socket,
        host: options.host ?? undefined,
        servername: options.servername,
        ca: this.options.ca,
      });
      done(null, secure);
    });
    connect.once("timeout", () =>
      // ETIMEDOUT makes it a timeout for the caller, as a stalled direct connection is.
      connect.destroy(Object.assign(new Error(`proxy ${this.proxy.host} did not answer CONNECT within ${options.timeout} ms`), { code: "ETIMEDOUT" })),
    );
    connect.once("error", (err) => done(err, connect.socket as net.Socket));
    connect.end();
    return undefined;
  }
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

function proxyAuthorization(proxy: URL): http.OutgoingHttpHeaders {
  if (proxy.username === "" && proxy.password === "") return {};
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { "proxy-authorization": `Basic ${Buffer.from(pair).toString("base64")}` };
}

/**
 * The name a TLS proxy's certificate is checked against. Given explicitly, as
 * Node would otherwise take it from the Host header, which names the upstream.
 * An IP address is sent as no name and checked as the address.
 */
function proxyServername(proxy: URL): string {
  const host = bareHost(proxy);
  return net.isIP(host) ? "" : host;
}

/** The host of a URL as sockets want it: IPv6 without its brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

function portOf(url: URL): number {
  return url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

function firstSet(env: NodeJS.ProcessEnv, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") return { name, value };
  }
  return undefined;
}

/** A proxy URL as Go's httpproxy takes it: a URL, or "host[:port]" meaning http://host[:port]. */
function proxyFromEnv(env: NodeJS.ProcessEnv, ...names: string[]): URL | undefined {
  const found = firstSet(env, ...names);
  if (found === undefined) return undefined;
  const { name, value } = found;
  const shown = withoutUserinfo(value);
  let url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || !["http:", "https:", "socks5:"].includes(url.protocol)) {
    url = URL.canParse(`http://${value}`) ? new URL(`http://${value}`) : undefined;
  }
  if (url === undefined || url.hostname === "") throw new EgressConfigError(`${name}: "${shown}" is not a proxy URL`);
  if (url.protocol === "socks5:") throw new EgressConfigError(`${name}: "${shown}" is a SOCKS proxy; only http:// and https:// proxies are supported`);
  return url;
}

type Matcher = (host: string, port: string, ipType: number) => boolean;

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
LOOPBACK.addSubnet("::ffff:127.0.0.0", 104, "ipv6");

/**
 * NO_PROXY as Go's golang.org/x/net/http/httpproxy reads it: comma-separated
 * "*", IPs and CIDRs, domains (matching themselves and their subdomains, or
 * only subdomains with a leading "." or "*."), each optionally with a port.
 * localhost and loopback addresses never go through a proxy, as in Go.
 */
export class NoProxy {
  private readonly ipMatchers: Matcher[] = [];
  private readonly domainMatchers: Matcher[] = [];
  private readonly all: boolean = false;

  constructor(list: string) {
    for (const entry of list.split(",")) {
      const p = entry.trim().toLowerCase();
      if (p === "") continue;
      if (p === "*") {
        this.all = true;
        return;
      }
      const cidr = parseCidr(p);
      if (cidr) {
        this.ipMatchers.push((host, _port, ipType) => cidr.check(host, ipType === 6 ? "ipv6" : "ipv4"));
        continue;
      }
      const split = splitHostPort(p);
      if (split && split[0] === "") continue;
      const [phost, pport] = split ?? [p, ""];
      const ipType = net.isIP(phost);
      if (ipType !== 0) {
        const only = new net.BlockList();
        only.addAddress(phost, ipType === 6 ? "ipv6" : "ipv4");
        this.ipMatchers.push((host, port, type) => only.check(host, type === 6 ? "ipv6" : "ipv4") && (pport === "" || pport === port));
        continue;
      }
      let suffix = phost.startsWith("*.") ? phost.slice(1) : phost;
      const matchesItself = !suffix.startsWith(".");
      if (matchesItself) suffix = `.${suffix}`;
      suffix = asciiDomain(suffix);
      this.domainMatchers.push((host, port) => (host.endsWith(suffix) || (matchesItself && host === suffix.slice(1))) && (pport === "" || pport === port));
    }
  }

  /** True when a request to `url` goes straight, not through the proxy. */
  bypasses(url: URL): boolean {
    const host = bareHost(url).toLowerCase();
    const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
    const ipType = net.isIP(host);
    if (host === "localhost" || (ipType !== 0 && LOOPBACK.check(host, ipType === 6 ? "ipv6" : "ipv4"))) return true;
    if (this.all) return true;
    if (ipType !== 0 && this.ipMatchers.some((m) => m(host, port, ipType))) return true;
    return this.domainMatchers.some((m) => m(host, port, ipType));
  }
}

/** "1.2.3.0/24" or "fd00::/8" as a one-subnet list; undefined for anything else. */
function parseCidr(p: string): net.BlockList | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(p);
  if (!m) return undefined;
  const ipType = net.isIP(m[1]);
  const prefix = Number(m[2]);
  if (ipType === 0 || prefix > (ipType === 6 ? 128 : 32)) return undefined;
  const list = new net.BlockList();
  list.addSubnet(m[1], prefix, ipType === 6 ? "ipv6" : "ipv4");
  return list;
}

/** Go's net.SplitHostPort: "host:port" or "[v6]:port"; undefined without a port or with stray colons. */
function splitHostPort(p: string): [string, string] | undefined {
  if (p.startsWith("[")) {
    const end = p.indexOf("]");
    return end > 0 && p[end + 1] === ":" && !p.slice(end + 2).includes(":") ? [p.slice(1, end), p.slice(end + 2)] : undefined;
  }
  const colon = p.indexOf(":");
  return colon >= 0 && colon === p.lastIndexOf(":") ? [p.slice(0, colon), p.slice(colon + 1)] : undefined;
}

/** A NO_PROXY domain in the punycode form URL hosts take; left as written when it is not a valid name. */
function asciiDomain(suffix: string): string {
  if (!/[^\p{ASCII}]/u.test(suffix)) return suffix;
  const ascii = domainToASCII(suffix.slice(1));
  return ascii === "" ? suffix : `.${ascii}`;
}
