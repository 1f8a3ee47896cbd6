import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt } from "../../lib/values";

export const loadBalancerAccessLogs: ResourceValidationPolicy = {
  name: "lb-access-logs",
  description:
    "Application and network load balancers write access logs to an S3 bucket (accessLogs enabled, with a bucket), the only record of which clients fetched what through them; gateway load balancers, which carry no client requests, are exempt.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.loadBalancer, (props, _args, reportViolation) => {
    if (props.loadBalancerType === "gateway") {
      return;
    }
    const accessLogs = recordAt(props.accessLogs);
    if (accessLogs.enabled !== true || !stringAt(accessLogs.bucket)) {
      reportViolation("Access logs are off: set accessLogs with enabled true and a bucket.");
    }
  }),
};
