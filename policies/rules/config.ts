import { PolicyConfigSchema } from "@pulumi/policy";

// Config keys shared by several rules, so a team sets them the same way wherever they appear.

export const clusterDomainSuffixesSchema = (defaults: string[]): PolicyConfigSchema["properties"] => ({
  clusterDomainSuffixes: {
    type: "array",
    items: { type: "string" },
    default: defaults,
    description: "DNS suffixes that only resolve inside the cluster (bare service names always count as internal).",
  },
});
