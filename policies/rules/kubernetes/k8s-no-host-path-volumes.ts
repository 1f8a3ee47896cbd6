import { ResourceValidationPolicy } from "@pulumi/policy";
import { podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { arrayAt, isRecord, recordAt, stringAt } from "../../lib/values";

export const kubernetesNoHostPathVolumes: ResourceValidationPolicy = {
  name: "k8s-no-host-path-volumes",
  description: "Pods mount no hostPath volumes: a node directory in a pod reaches the node's files, sockets and other pods' data.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    for (const volume of arrayAt(podSpecOf(args.type, props)?.volumes).filter(isRecord)) {
      if (volume.hostPath !== undefined) {
        reportViolation(
          `Volume "${stringAt(volume.name) ?? "(unnamed)"}" mounts the node's ${stringAt(recordAt(volume.hostPath).path) ?? "directory"} (hostPath).`,
        );
      }
    }
  }),
};
