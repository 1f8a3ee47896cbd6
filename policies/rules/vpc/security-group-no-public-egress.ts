import { ResourceValidationPolicy } from "@pulumi/policy";
import { internetPorts, internetPortsSchema } from "../../lib/internet-ports";
import { describePorts, opensToAnywhere, securityGroupRulesOf, securityGroupTypes } from "../../lib/security-group-rules";
import { validateResourceOfTypes } from "../../lib/resource-types";

export const securityGroupNoPublicEgress: ResourceValidationPolicy = {
  name: "security-group-no-public-egress",
  description:
    "Security groups let traffic out to internet-wide ranges (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7) only over TCP on the allowed ports, never on every port or protocol.",
  enforcementLevel: "mandatory",
  configSchema: internetPortsSchema,
  validateResource: validateResourceOfTypes(securityGroupTypes, (props, args, reportViolation) => {
    const allowedPorts = internetPorts(args);
    for (const rule of securityGroupRulesOf(args.type, props, "egress")) {
      const open = opensToAnywhere(rule);
      const allowed = rule.protocol === "tcp" && rule.fromPort === rule.toPort && allowedPorts.includes(rule.fromPort);
      if (open.length > 0 && !allowed) {
        reportViolation(`Egress ${describePorts(rule)} is open to ${open.join(", ")}; only tcp port(s) ${allowedPorts.join(", ")} may reach the internet.`);
      }
    }
  }),
};
