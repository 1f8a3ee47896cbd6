import { isInternetWide } from "../../common/cidr";
import { types } from "./resource-types";
import { arrayAt, isRecord, JsonRecord, stringAt, stringsAt } from "./values";

// Security group rules can be written inline on the group (or the VPC's default group) or as
// standalone rule resources of three kinds; the rules see one normalized shape per direction.

export type Direction = "ingress" | "egress";

export interface SecurityGroupRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  /** The CIDR ranges the rule admits from (ingress) or lets traffic out to (egress). */
  cidrs: string[];
}

function normalize(protocol: unknown, fromPort: unknown, toPort: unknown, cidrs: string[]): SecurityGroupRule {
  const proto = String(protocol ?? "-1").toLowerCase();
  const allTraffic = proto === "-1" || proto === "all";
  return {
    protocol: allTraffic ? "all" : proto === "6" ? "tcp" : proto,
    fromPort: allTraffic || typeof fromPort !== "number" ? 0 : fromPort,
    toPort: allTraffic || typeof toPort !== "number" ? 65535 : toPort,
    cidrs,
  };
}

const standaloneRuleTypes: Record<Direction, readonly string[]> = {
  ingress: types.securityGroupIngressRule,
  egress: types.securityGroupEgressRule,
};

/** The rules of one direction a security group resource, or a standalone rule resource, writes. */
export function securityGroupRulesOf(type: string, props: JsonRecord, direction: Direction): SecurityGroupRule[] {
  if (types.securityGroup.includes(type) || types.defaultSecurityGroup.includes(type)) {
    return arrayAt(props[direction])
      .filter(isRecord)
      .map((r) => normalize(r.protocol, r.fromPort, r.toPort, [...stringsAt(r.cidrBlocks), ...stringsAt(r.ipv6CidrBlocks)]));
  }
  if (types.securityGroupRule.includes(type) && props.type === direction) {
    return [normalize(props.protocol, props.fromPort, props.toPort, [...stringsAt(props.cidrBlocks), ...stringsAt(props.ipv6CidrBlocks)])];
  }
  if (standaloneRuleTypes[direction].includes(type)) {
    const cidrs = [stringAt(props.cidrIpv4), stringAt(props.cidrIpv6)].filter((s): s is string => s !== undefined);
    return [normalize(props.ipProtocol, props.fromPort, props.toPort, cidrs)];
  }
  return [];
}

export function ingressRulesOf(type: string, props: JsonRecord): SecurityGroupRule[] {
  return securityGroupRulesOf(type, props, "ingress");
}

/** The rule's ranges that span the internet at large: 0.0.0.0/0, ::/0, or any range wider than the widest private one. */
export function opensToAnywhere(rule: SecurityGroupRule): string[] {
  return rule.cidrs.filter(isInternetWide);
}

export function coversTcpPort(rule: SecurityGroupRule, port: number): boolean {
  return (rule.protocol === "all" || rule.protocol === "tcp") && rule.fromPort <= port && port <= rule.toPort;
}

export function describePorts(rule: SecurityGroupRule): string {
  if (rule.protocol === "all") {
    return "all traffic";
  }
  return rule.fromPort === rule.toPort ? `${rule.protocol}/${rule.fromPort}` : `${rule.protocol}/${rule.fromPort}-${rule.toPort}`;
}

/** Every resource type that writes security group rules, of either direction. */
export const securityGroupTypes: readonly string[] = [
  ...types.securityGroup,
  ...types.defaultSecurityGroup,
  ...types.securityGroupRule,
  ...types.securityGroupIngressRule,
  ...types.securityGroupEgressRule,
];
