import { StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { arrayAt } from "../../lib/values";

export const defaultSecurityGroupNoRules: StackValidationPolicy = {
  name: "default-security-group-no-rules",
  description:
    "Every VPC manages its default security group (DefaultSecurityGroup) with no ingress or egress rules, so a resource that names no group gets no traffic instead of AWS's allow-within-group and allow-all-out.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const defaults = args.resources.filter(isOneOf(types.defaultSecurityGroup));
    checkEach(args.resources.filter(isOneOf(types.vpc)), (vpc) => {
      if (!defaults.some((group) => refersTo(group, "vpcId", vpc))) {
        reportViolation(
          `VPC "${vpc.name}" has no DefaultSecurityGroup, so its default group keeps AWS's rules (all traffic within the group, all egress).`,
          vpc.urn,
        );
      }
    });
    checkEach(defaults, (group) => {
      const directions = ["ingress", "egress"].filter((direction) => arrayAt(group.props[direction]).length > 0);
      if (directions.length > 0) {
        reportViolation(`Default security group "${group.name}" has ${directions.join(" and ")} rules; leave it with none.`, group.urn);
      }
    });
  },
};
