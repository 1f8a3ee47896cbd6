import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt } from "../../lib/values";

export const kubernetesNoPrivilegedContainers: ResourceValidationPolicy = {
  name: "k8s-no-privileged-containers",
  description: "No container runs privileged.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    for (const container of containersOf(podSpecOf(args.type, props) ?? {})) {
      if (recordAt(container.spec.securityContext).privileged === true) {
        reportViolation(`Container "${container.name}" is privileged.`);
      }
    }
  }),
};
