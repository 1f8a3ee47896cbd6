import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { arrayAt, isRecord, isTrue, recordAt, stringAt } from "../../lib/values";

const byAccountDefault = "encrypted only where the account turns on EBS encryption by default";

export const ec2VolumesEncrypted: ResourceValidationPolicy = {
  name: "ec2-volumes-encrypted",
  description:
    "EBS volumes are encrypted: standalone volumes, instances' root and data volumes, and every block device of launch templates, which EKS node groups must use so their disks are not left to the account's default.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(
    [...types.launchTemplate, ...types.instance, ...types.ebsVolume, ...types.eksNodeGroup],
    (props, args, reportViolation) => {
      if (types.eksNodeGroup.includes(args.type)) {
        if (props.launchTemplate === undefined) {
          reportViolation(`The node group has no launch template, so its volumes are ${byAccountDefault}.`);
        }
      } else if (types.ebsVolume.includes(args.type)) {
        if (!isTrue(props.encrypted)) {
          reportViolation("The volume is not encrypted: set encrypted to true.");
        }
      } else if (types.instance.includes(args.type)) {
        if (!isTrue(recordAt(props.rootBlockDevice).encrypted)) {
          reportViolation(`rootBlockDevice.encrypted is not true, so the root volume is ${byAccountDefault}.`);
        }
        arrayAt(props.ebsBlockDevices)
          .filter(isRecord)
          .filter((device) => !isTrue(device.encrypted))
          .forEach((device) => reportViolation(`ebsBlockDevices ${stringAt(device.deviceName) ?? "(unnamed)"} is not encrypted.`));
      } else {
        const mappings = arrayAt(props.blockDeviceMappings).filter(isRecord);
        if (mappings.length === 0) {
          reportViolation(`The launch template maps no block devices, so the root volume is ${byAccountDefault}.`);
        }
        mappings
          .filter((mapping) => mapping.ebs !== undefined && !isTrue(recordAt(mapping.ebs).encrypted))
          .forEach((mapping) => reportViolation(`blockDeviceMappings ${stringAt(mapping.deviceName) ?? "(unnamed)"} is not encrypted.`));
      }
    },
  ),
};
