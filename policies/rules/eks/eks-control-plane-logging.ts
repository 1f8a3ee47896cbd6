import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { stringsAt } from "../../lib/values";

const controlPlaneLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const eksControlPlaneLogging: ResourceValidationPolicy = {
  name: "eks-control-plane-logging",
  description:
    "EKS clusters send the required control-plane logs to CloudWatch (enabledClusterLogTypes), all five by default; audit and authenticator record who did what through the Kubernetes API.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requiredLogTypes: {
        type: "array",
        items: { type: "string", enum: controlPlaneLogTypes },
        default: controlPlaneLogTypes,
        description: "Control-plane log types every cluster must enable.",
      },
    },
  },
  validateResource: validateResourceOfTypes(types.eksCluster, (props, args, reportViolation) => {
    const { requiredLogTypes } = args.getConfig<{ requiredLogTypes: string[] }>();
    const enabled = stringsAt(props.enabledClusterLogTypes);
    const missing = requiredLogTypes.filter((type) => !enabled.includes(type));
    if (missing.length > 0) {
      reportViolation(`Control-plane logs ${missing.join(", ")} are not enabled (enabledClusterLogTypes).`);
    }
  }),
};
