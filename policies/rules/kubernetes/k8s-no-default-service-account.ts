import { ResourceValidationPolicy } from "@pulumi/policy";
import { podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const kubernetesNoDefaultServiceAccount: ResourceValidationPolicy = {
  name: "k8s-no-default-service-account",
  description:
    "Pods run as a service account of their own, not the namespace's default one, whose permissions and IAM role bindings every other pod left unnamed would share.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const podSpec = podSpecOf(args.type, props) ?? {};
    const account = stringAt(podSpec.serviceAccountName) ?? stringAt(podSpec.serviceAccount) ?? "default";
    if (account === "default") {
      reportViolation("The pod runs as the namespace's default service account; give it one of its own (serviceAccountName).");
    }
  }),
};
