import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";

export const loadBalancerDropInvalidHeaders: ResourceValidationPolicy = {
  name: "lb-drop-invalid-headers",
  description:
    "Application load balancers drop HTTP headers that are not valid (dropInvalidHeaderFields), instead of passing request-smuggling material on to the proxy.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.loadBalancer, (props, _args, reportViolation) => {
    // Only application load balancers parse HTTP; they are the default type.
    if ((props.loadBalancerType ?? "application") === "application" && props.dropInvalidHeaderFields !== true) {
      reportViolation("dropInvalidHeaderFields is not true: invalid headers reach the targets.");
    }
  }),
};
