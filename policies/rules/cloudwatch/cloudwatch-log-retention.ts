import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";

export const cloudwatchLogRetention: ResourceValidationPolicy = {
  name: "cloudwatch-log-retention",
  description:
    "CloudWatch log groups (flow logs, EKS control-plane logs) keep their events at least the minimum number of days, 365 by default, or never expire them, so an investigation finds the record.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minimumDays: { type: "integer", default: 365, description: "Fewest days a log group may keep its events." },
    },
  },
  validateResource: validateResourceOfTypes(types.logGroup, (props, args, reportViolation) => {
    const { minimumDays } = args.getConfig<{ minimumDays: number }>();
    // Unset or 0 keeps events forever.
    const days = props.retentionInDays;
    if (typeof days === "number" && days > 0 && days < minimumDays) {
      reportViolation(`retentionInDays is ${days}, below the minimum of ${minimumDays}.`);
    }
  }),
};
