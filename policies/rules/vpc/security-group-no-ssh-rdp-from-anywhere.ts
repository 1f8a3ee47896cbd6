import { ResourceValidationPolicy } from "@pulumi/policy";
import { coversTcpPort, describePorts, ingressRulesOf, opensToAnywhere, securityGroupTypes } from "../../lib/security-group-rules";
import { validateResourceOfTypes } from "../../lib/resource-types";

export const securityGroupNoRemoteAdminFromAnywhere: ResourceValidationPolicy = {
  name: "security-group-no-ssh-rdp-from-anywhere",
  description:
    "Security groups never admit SSH or RDP from internet-wide ranges (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7), whatever else is allowed.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      adminPorts: { type: "array", items: { type: "integer" }, default: [22, 3389], description: "Remote administration ports." },
    },
  },
  validateResource: validateResourceOfTypes(securityGroupTypes, (props, args, reportViolation) => {
    const { adminPorts } = args.getConfig<{ adminPorts: number[] }>();
    for (const rule of ingressRulesOf(args.type, props)) {
      const open = opensToAnywhere(rule);
      const ports = adminPorts.filter((p) => coversTcpPort(rule, p));
      if (open.length > 0 && ports.length > 0) {
        reportViolation(`Ingress ${describePorts(rule)} exposes remote administration port(s) ${ports.join(", ")} to ${open.join(", ")}.`);
      }
    }
  }),
};
