import { ResourceValidationPolicy } from "@pulumi/policy";
import { podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";

export const kubernetesNoHostNamespaces: ResourceValidationPolicy = {
  name: "k8s-no-host-namespaces",
  description: "Pods do not share the node's process or IPC namespaces (hostPID, hostIPC), which let them see and signal every process on the node.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const podSpec = podSpecOf(args.type, props) ?? {};
    for (const field of ["hostPID", "hostIPC"]) {
      if (podSpec[field] === true) {
        reportViolation(`${field} is true.`);
      }
    }
  }),
};
