import { ResourceValidationPolicy } from "@pulumi/policy";
import { metadataOptionsOf, metadataTypes } from "../../lib/metadata-options";
import { validateResourceOfTypes } from "../../lib/resource-types";

export const ec2ImdsHopLimit: ResourceValidationPolicy = {
  name: "ec2-imds-hop-limit",
  description:
    "Instances and launch templates set the metadata response hop limit (httpPutResponseHopLimit) to at most the maximum, 1 by default, so pods behind the node's network namespace cannot fetch the node role's credentials and use IRSA instead; node groups must use such a launch template.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maximumHopLimit: { type: "integer", default: 1, description: "Largest hop limit allowed; 2 lets containers reach the metadata service." },
    },
  },
  validateResource: validateResourceOfTypes(metadataTypes, (props, args, reportViolation) => {
    const { maximumHopLimit } = args.getConfig<{ maximumHopLimit: number }>();
    const found = metadataOptionsOf(args.type, props);
    if (found?.kind === "eks-defaults") {
      reportViolation("The node group has no launch template, so its nodes get EKS's default hop limit, which lets pods reach the metadata service.");
      return;
    }
    if (found === undefined || found.options.httpEndpoint === "disabled") {
      return;
    }
    const limit = found.options.httpPutResponseHopLimit;
    if (typeof limit !== "number") {
      reportViolation(
        `metadataOptions.httpPutResponseHopLimit is unset, so the image's default applies (2 on Amazon Linux 2023); set it to ${maximumHopLimit}.`,
      );
    } else if (limit > maximumHopLimit) {
      reportViolation(`metadataOptions.httpPutResponseHopLimit is ${limit}, which lets containers reach the metadata service; set it to ${maximumHopLimit}.`);
    }
  }),
};
