import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringsAt } from "../../lib/values";

export const kubernetesCapabilitiesRestricted: ResourceValidationPolicy = {
  name: "k8s-capabilities-restricted",
  description:
    "Containers drop ALL Linux capabilities and add back none but the allowed ones (NET_BIND_SERVICE), as the restricted Pod Security Standard requires; SYS_ADMIN, NET_RAW and the runtime's other defaults stay out.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedCapabilities: { type: "array", items: { type: "string" }, default: ["NET_BIND_SERVICE"], description: "Capabilities a container may add back." },
    },
  },
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const { allowedCapabilities } = args.getConfig<{ allowedCapabilities: string[] }>();
    // Capability names are accepted with or without the CAP_ prefix, in any case.
    const normalize = (name: string) => name.toUpperCase().replace(/^CAP_/, "");
    for (const container of containersOf(podSpecOf(args.type, props) ?? {})) {
      const capabilities = recordAt(recordAt(container.spec.securityContext).capabilities);
      if (!stringsAt(capabilities.drop).map(normalize).includes("ALL")) {
        reportViolation(`Container "${container.name}" does not drop ALL capabilities.`);
      }
      const added = stringsAt(capabilities.add).filter((name) => !allowedCapabilities.map(normalize).includes(normalize(name)));
      if (added.length > 0) {
        reportViolation(`Container "${container.name}" adds capabilities ${added.join(", ")}.`);
      }
    }
  }),
};
