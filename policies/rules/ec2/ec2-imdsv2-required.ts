import { ResourceValidationPolicy } from "@pulumi/policy";
import { metadataOptionsOf, metadataTypes } from "../../lib/metadata-options";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const ec2Imdsv2Required: ResourceValidationPolicy = {
  name: "ec2-imdsv2-required",
  description:
    "Instances and launch templates require IMDSv2 session tokens (metadataOptions.httpTokens required) or turn the metadata service off, so a request forged through an app cannot read the node's role credentials; node groups must use such a launch template.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(metadataTypes, (props, args, reportViolation) => {
    const found = metadataOptionsOf(args.type, props);
    if (found?.kind === "eks-defaults") {
      reportViolation("The node group has no launch template, so its nodes get EKS's default metadata options, which allow IMDSv1.");
    } else if (found?.kind === "options" && found.options.httpEndpoint !== "disabled" && found.options.httpTokens !== "required") {
      reportViolation(`metadataOptions.httpTokens is ${stringAt(found.options.httpTokens) ?? "unset"}, which allows IMDSv1: set it to required.`);
    }
  }),
};
