import { StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { stringAt } from "../../lib/values";

export const vpcFlowLogs: StackValidationPolicy = {
  name: "vpc-flow-logs",
  description:
    "Every VPC has a flow log recording ALL traffic, accepted and rejected, so a connection to or from the proxy's network can be traced afterwards.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const flowLogs = args.resources.filter(isOneOf(types.flowLog));
    checkEach(args.resources.filter(isOneOf(types.vpc)), (vpc) => {
      const own = flowLogs.filter((flowLog) => refersTo(flowLog, "vpcId", vpc));
      if (own.length === 0) {
        reportViolation(`VPC "${vpc.name}" has no flow log.`, vpc.urn);
      } else if (!own.some((flowLog) => flowLog.props.trafficType === "ALL")) {
        const recorded = own.map((flowLog) => stringAt(flowLog.props.trafficType) ?? "unset").join(", ");
        reportViolation(`VPC "${vpc.name}" flow logs record ${recorded} traffic only; record ALL.`, vpc.urn);
      }
    });
  },
};
