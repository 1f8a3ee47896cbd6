import { isInternetWide } from "../../common/cidr";
import { types } from "./resource-types";
import { arrayAt, isRecord, JsonRecord, stringAt, stringsAt } from "./values";

// Security group ingress can be written inline on the group or as standalone rule resources of two
// kinds; the rules see one normalized shape.

export interface IngressRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  sources: string[];
}

function normalize(protocol: unknown, fromPort: unknown, toPort: unknown, sources: string[]): IngressRule {
  const proto = String(protocol ?? "-1").toLowerCase();
  const allTraffic = proto === "-1" || proto === "all";
  return {
    protocol: allTraffic ? "all" : proto === "6" ? "tcp" : proto,
    fromPort: allTraffic || typeof fromPort !== "number" ? 0 : fromPort,
    toPort: allTraffic || typeof toPort !== "number" ? 65535 : toPort,
    sources,
  };
}

export function ingressRulesOf(type: string, props: JsonRecord): IngressRule[] {
  if (types.securityGroup.includes(type)) {
    return arrayAt(props.ingress)
      .filter(isRecord)
      .map((r) => normalize(r.protocol, r.fromPort, r.toPort, [...stringsAt(r.cidrBlocks), ...stringsAt(r.ipv6CidrBlocks)]));
  }
  if (types.securityGroupRule.includes(type) && props.type === "ingress") {
    return [normalize(props.protocol, props.fromPort, props.toPort, [...stringsAt(props.cidrBlocks), ...stringsAt(props.ipv6CidrBlocks)])];
  }
  if (types.securityGroupIngressRule.includes(type)) {
    const sources = [stringAt(props.cidrIpv4), stringAt(props.cidrIpv6)].filter((s): s is string => s !== undefined);
    return [normalize(props.ipProtocol, props.fromPort, props.toPort, sources)];
  }
  return [];
}

/** The rule's sources that admit the internet at large: 0.0.0.0/0, ::/0, or any range wider than the widest private one. */
export function opensToAnywhere(rule: IngressRule): string[] {
  return rule.sources.filter(isInternetWide);
}

export function coversTcpPort(rule: IngressRule, port: number): boolean {
  return (rule.protocol === "all" || rule.protocol === "tcp") && rule.fromPort <= port && port <= rule.toPort;
}

export function describePorts(rule: IngressRule): string {
  if (rule.protocol === "all") {
    return "all traffic";
  }
  return rule.fromPort === rule.toPort ? `${rule.protocol}/${rule.fromPort}` : `${rule.protocol}/${rule.fromPort}-${rule.toPort}`;
}

export const securityGroupTypes: readonly string[] = [...types.securityGroup, ...types.securityGroupRule, ...types.securityGroupIngressRule];
