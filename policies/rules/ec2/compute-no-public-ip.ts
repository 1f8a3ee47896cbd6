import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { arrayAt, isRecord, isTrue } from "../../lib/values";

export const computeNoPublicIp: ResourceValidationPolicy = {
  name: "compute-no-public-ip",
  description: "EC2 instances and launch templates for nodes do not associate public IP addresses.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes([...types.instance, ...types.launchTemplate], (props, args, reportViolation) => {
    if (types.instance.includes(args.type) && isTrue(props.associatePublicIpAddress)) {
      reportViolation("associatePublicIpAddress is true.");
    }
    arrayAt(props.networkInterfaces)
      .filter(isRecord)
      .forEach((nic, i) => {
        if (isTrue(nic.associatePublicIpAddress)) {
          reportViolation(`networkInterfaces[${i}].associatePublicIpAddress is true.`);
        }
      });
  }),
};
