import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { arrayAt, isRecord } from "../../lib/values";

export const kubernetesNoHostNetwork: ResourceValidationPolicy = {
  name: "k8s-no-host-network",
  description: "Pods do not use the node's network (hostNetwork) or bind node ports (hostPort), which bypass NetworkPolicy.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const podSpec = podSpecOf(args.type, props) ?? {};
    if (podSpec.hostNetwork === true) {
      reportViolation("hostNetwork is true.");
    }
    for (const container of containersOf(podSpec)) {
      for (const port of arrayAt(container.spec.ports).filter(isRecord)) {
        if (port.hostPort !== undefined) {
          reportViolation(`Container "${container.name}" binds hostPort ${String(port.hostPort)}.`);
        }
      }
    }
  }),
};
