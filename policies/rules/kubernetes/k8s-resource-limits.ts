import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt } from "../../lib/values";

export const kubernetesResourceLimits: ResourceValidationPolicy = {
  name: "k8s-resource-limits",
  description:
    "Containers request CPU and memory and cap memory, so one leaking pod cannot starve its node; CPU limits are not required (they throttle latency-sensitive work). Advisory: sizing is a team's call.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      requiredRequests: { type: "array", items: { type: "string" }, default: ["cpu", "memory"], description: "Resources every container must request." },
      requiredLimits: { type: "array", items: { type: "string" }, default: ["memory"], description: "Resources every container must cap." },
    },
  },
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const { requiredRequests, requiredLimits } = args.getConfig<{ requiredRequests: string[]; requiredLimits: string[] }>();
    for (const container of containersOf(podSpecOf(args.type, props) ?? {})) {
      const resources = recordAt(container.spec.resources);
      const missing = [
        ...requiredRequests.filter((r) => recordAt(resources.requests)[r] === undefined).map((r) => `${r} request`),
        ...requiredLimits.filter((r) => recordAt(resources.limits)[r] === undefined).map((r) => `${r} limit`),
      ];
      if (missing.length > 0) {
        reportViolation(`Container "${container.name}" sets no ${missing.join(", ")}.`);
      }
    }
  }),
};
