import { ResourceValidationPolicy } from "@pulumi/policy";
import { namespaceType } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt } from "../../lib/values";

const levels = ["privileged", "baseline", "restricted"];
const enforceLabel = "pod-security.kubernetes.io/enforce";

export const kubernetesNamespacePodSecurityEnforced: ResourceValidationPolicy = {
  name: "k8s-namespace-pod-security-enforced",
  description:
    "Namespaces the stack creates carry the Pod Security Admission label pod-security.kubernetes.io/enforce at the minimum level (restricted) or stricter, so the API server itself refuses pods that weaken the hardening these rules check.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minimumLevel: { type: "string", enum: levels, default: "restricted", description: "Weakest Pod Security Standard a namespace may enforce." },
      exemptNamespaces: {
        type: "array",
        items: { type: "string" },
        default: ["kube-system"],
        description: "Namespaces managed by the platform, not by this stack.",
      },
    },
  },
  validateResource: validateResourceOfTypes([namespaceType], (props, args, reportViolation) => {
    const { minimumLevel, exemptNamespaces } = args.getConfig<{ minimumLevel: string; exemptNamespaces: string[] }>();
    const metadata = recordAt(props.metadata);
    if (exemptNamespaces.includes(stringAt(metadata.name) ?? "")) {
      return;
    }
    const level = stringAt(recordAt(metadata.labels)[enforceLabel]);
    if (level === undefined || levels.indexOf(level) < levels.indexOf(minimumLevel)) {
      reportViolation(`${enforceLabel} is ${level ?? "unset"}; enforce ${minimumLevel}.`);
    }
  }),
};
