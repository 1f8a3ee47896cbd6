import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { JsonRecord, recordAt } from "../../lib/values";

function runsAsNonRoot(container: JsonRecord, pod: JsonRecord): boolean {
  // Container settings override pod settings field by field.
  const nonRoot = container.runAsNonRoot ?? pod.runAsNonRoot;
  const user = container.runAsUser ?? pod.runAsUser;
  return nonRoot === true || (typeof user === "number" && user > 0);
}

export const kubernetesContainerHardening: ResourceValidationPolicy = {
  name: "k8s-container-hardening",
  description: "Containers run as non-root, with a read-only root filesystem and privilege escalation disabled.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const podSpec = podSpecOf(args.type, props) ?? {};
    const podContext = recordAt(podSpec.securityContext);
    for (const container of containersOf(podSpec)) {
      const context = recordAt(container.spec.securityContext);
      const missing = [
        runsAsNonRoot(context, podContext) ? undefined : "runAsNonRoot: true (or a non-zero runAsUser)",
        context.readOnlyRootFilesystem === true ? undefined : "readOnlyRootFilesystem: true",
        context.allowPrivilegeEscalation === false ? undefined : "allowPrivilegeEscalation: false",
      ].filter((m): m is string => m !== undefined);
      if (missing.length > 0) {
        reportViolation(`Container "${container.name}" securityContext lacks ${missing.join(", ")}.`);
      }
    }
  }),
};
