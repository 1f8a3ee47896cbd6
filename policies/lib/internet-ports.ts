import { PolicyConfigSchema, ResourceValidationArgs } from "@pulumi/policy";

// Both egress policies (security groups, NetworkPolicies) take the same setting, so a stack that
// opens another port to the internet opens it in both places with one value.

/** The `allowedPorts` setting: TCP ports a rule may open to the internet; HTTPS alone by default (upstreams and VCS hosts). */
export const internetPortsSchema: PolicyConfigSchema = {
  properties: {
    allowedPorts: {
      type: "array",
      items: { type: "integer" },
      default: [443],
      description: "TCP ports a rule may open to the internet or to every destination (the proxy fetches upstreams and VCS hosts over HTTPS).",
    },
  },
};

/** The TCP ports the stack's pack config lets reach the internet. */
export const internetPorts = (args: ResourceValidationArgs): number[] => args.getConfig<{ allowedPorts: number[] }>().allowedPorts;
