import { PolicyConfigSchema } from "@pulumi/policy";

// Config keys shared by several rules, so a team sets them the same way wherever they appear.

export const allowPublicLoadBalancerSchema: PolicyConfigSchema["properties"] = {
  allowPublicLoadBalancer: {
    type: "boolean",
    default: false,
    description: "Set true when the proxy is deliberately served through an internet-facing load balancer.",
  },
};

export const clusterDomainSuffixesSchema = (defaults: string[]): PolicyConfigSchema["properties"] => ({
  clusterDomainSuffixes: {
    type: "array",
    items: { type: "string" },
    default: defaults,
    description: "DNS suffixes that only resolve inside the cluster (bare service names always count as internal).",
  },
});
