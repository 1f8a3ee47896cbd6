import { ResourceValidationPolicy } from "@pulumi/policy";
import { isInternetWide } from "../../../common/cidr";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringsAt } from "../../lib/values";

export const eksEndpointNotPublic: ResourceValidationPolicy = {
  name: "eks-endpoint-not-public",
  description:
    "The EKS API endpoint is private, or public only to listed CIDRs, none of them internet-wide (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.eksCluster, (props, _args, reportViolation) => {
    const vpcConfig = recordAt(props.vpcConfig);
    // AWS enables the public endpoint, open to 0.0.0.0/0, unless told otherwise.
    if (vpcConfig.endpointPublicAccess === false) {
      return;
    }
    const cidrs = stringsAt(vpcConfig.publicAccessCidrs);
    if (cidrs.length === 0) {
      reportViolation("The API endpoint is public to 0.0.0.0/0: set vpcConfig.endpointPublicAccess to false or list publicAccessCidrs.");
      return;
    }
    const open = cidrs.filter(isInternetWide);
    if (open.length > 0) {
      reportViolation(`The public API endpoint allows ${open.join(", ")}.`);
    }
  }),
};
