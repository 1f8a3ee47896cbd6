/** CIDR arithmetic and checks, shared by the components (which carve and check ranges) and the policy pack (which judges them). */

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly base: number;
  /** The prefix length, 0 to 32. */
  readonly prefix: number;
}

function toCidrString(base: number, prefix: number): string {
  return `${[24, 16, 8, 0].map((shift) => (base >>> shift) & 0xff).join(".")}/${prefix}`;
}

/** Parses "a.b.c.d/n"; throws on anything that is not a canonical IPv4 network. */
export function parseCidr(cidr: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : NaN;
  if (!match || octets.some((octet) => octet > 255) || prefix > 32) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR such as 10.0.0.0/16`);
  }
  const base = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const hostBits = 2 ** (32 - prefix);
  if (base % hostBits !== 0) {
    throw new Error(`"${cidr}" has host bits set; did you mean ${toCidrString(base - (base % hostBits), prefix)}?`);
  }
  return { base, prefix };
}

/** The `index`-th subnet of `cidr` that is `newBits` longer, like Terraform's cidrsubnet(). */
export function subnetCidr(cidr: string, newBits: number, index: number): string {
  const { base, prefix } = parseCidr(cidr);
  const subnetPrefix = prefix + newBits;
  if (subnetPrefix > 28 || index < 0 || index >= 2 ** newBits) {
    throw new Error(`cannot carve subnet ${index} of /${subnetPrefix} out of ${cidr}`);
  }
  return toCidrString(base + index * 2 ** (32 - subnetPrefix), subnetPrefix);
}

/** True when `inner` lies entirely inside `outer` (both IPv4 CIDRs). */
export function containsCidr(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  return i.prefix >= o.prefix && Math.floor(i.base / 2 ** (32 - o.prefix)) === o.base / 2 ** (32 - o.prefix);
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** True when `cidr` lies entirely inside one of the RFC 1918 private ranges. */
export function isPrivateCidr(cidr: string): boolean {
  return PRIVATE_RANGES.some((range) => containsCidr(range, cidr));
}

/**
 * True for a range wider than the widest private range (10.0.0.0/8 for IPv4,
 * fc00::/7 for IPv6): it spans public addresses in bulk, so it admits the
 * internet at large. 0.0.0.0/0 is only the widest case; 0.0.0.0/1 with
 * 128.0.0.0/1 reach the same clients. Anything that is not a CIDR is false.
 */
export function isInternetWide(cidr: string): boolean {
  const v4 = /^\d{1,3}(?:\.\d{1,3}){3}\/(\d{1,2})$/.exec(cidr);
  if (v4) return Number(v4[1]) < 8;
  const v6 = /^[0-9a-f:.]*:[0-9a-f:.]*\/(\d{1,3})$/i.exec(cidr);
  return v6 !== null && Number(v6[1]) < 7;
}
