import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";

export const loadBalancerDesyncMitigation: ResourceValidationPolicy = {
  name: "lb-desync-mitigation",
  description:
    "Application load balancers mitigate HTTP desync (request smuggling) in defensive or strictest mode, the default, never monitor, which forwards ambiguous requests.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.loadBalancer, (props, _args, reportViolation) => {
    if ((props.loadBalancerType ?? "application") === "application" && props.desyncMitigationMode === "monitor") {
      reportViolation("desyncMitigationMode is monitor, which forwards ambiguous requests: use defensive or strictest.");
    }
  }),
};
