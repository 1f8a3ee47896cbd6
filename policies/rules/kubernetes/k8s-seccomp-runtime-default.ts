import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt } from "../../lib/values";

const confiningProfiles = ["RuntimeDefault", "Localhost"];

export const kubernetesSeccompRuntimeDefault: ResourceValidationPolicy = {
  name: "k8s-seccomp-runtime-default",
  description:
    "Every container runs under a seccomp profile, RuntimeDefault or a Localhost one, set on the container or inherited from the pod; Kubernetes runs containers Unconfined unless told.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const podSpec = podSpecOf(args.type, props) ?? {};
    const podProfile = stringAt(recordAt(recordAt(podSpec.securityContext).seccompProfile).type);
    for (const container of containersOf(podSpec)) {
      const profile = stringAt(recordAt(recordAt(container.spec.securityContext).seccompProfile).type) ?? podProfile;
      if (!confiningProfiles.includes(profile ?? "")) {
        reportViolation(
          `Container "${container.name}" runs ${profile ? `with seccomp profile ${profile}` : "without a seccomp profile (Unconfined)"}; use RuntimeDefault.`,
        );
      }
    }
  }),
};
