import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringsAt } from "../../lib/values";

export const eksNodeGroupNoOpenSsh: ResourceValidationPolicy = {
  name: "eks-node-group-no-open-ssh",
  description:
    "Managed node groups given an SSH key (remoteAccess) name the security groups allowed to use it; without them EKS opens SSH on every node to 0.0.0.0/0.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.eksNodeGroup, (props, _args, reportViolation) => {
    const remoteAccess = recordAt(props.remoteAccess);
    if (remoteAccess.ec2SshKey !== undefined && stringsAt(remoteAccess.sourceSecurityGroupIds).length === 0) {
      reportViolation("remoteAccess sets an SSH key but no sourceSecurityGroupIds, so EKS opens SSH to 0.0.0.0/0.");
    }
  }),
};
