import { StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { isTrue } from "../../lib/values";

export const nodeSubnetsNoPublicIp: StackValidationPolicy = {
  name: "node-subnets-no-public-ip",
  description: "Subnets that EKS node groups or EC2 instances run in do not map public IPs on launch.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const users = args.resources.filter(isOneOf([...types.eksNodeGroup, ...types.instance]));
    checkEach(args.resources.filter(isOneOf(types.subnet)), (subnet) => {
      if (!isTrue(subnet.props.mapPublicIpOnLaunch)) {
        return;
      }
      const user = users.find((u) => refersTo(u, "subnetIds", subnet) || refersTo(u, "subnetId", subnet));
      if (user) {
        reportViolation(`Subnet "${subnet.name}" maps public IPs on launch and hosts nodes of "${user.name}".`, subnet.urn);
      }
    });
  },
};
