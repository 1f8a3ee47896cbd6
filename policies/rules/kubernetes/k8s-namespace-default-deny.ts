import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { metadataOf, workloadTypes } from "../../lib/kubernetes";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { arrayAt, recordAt, stringsAt } from "../../lib/values";

/** The traffic directions a NetworkPolicy denies to every pod in its namespace: all pods selected, the type listed, no rules for it. */
function deniedDirections(policy: PolicyResource): string[] {
  const spec = recordAt(policy.props.spec);
  const selector = recordAt(spec.podSelector);
  const selectsAllPods = Object.keys(recordAt(selector.matchLabels)).length === 0 && arrayAt(selector.matchExpressions).length === 0;
  if (!selectsAllPods) {
    return [];
  }
  return stringsAt(spec.policyTypes).filter((type) => arrayAt(spec[type.toLowerCase()]).length === 0);
}

export const kubernetesNamespaceDefaultDeny: StackValidationPolicy = {
  name: "k8s-namespace-default-deny",
  description: "Every namespace that runs a workload has a default-deny NetworkPolicy (empty podSelector, no rules) for ingress and egress.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      directions: {
        type: "array",
        items: { type: "string", enum: ["Ingress", "Egress"] },
        default: ["Ingress", "Egress"],
        description: "Policy types that must be denied by default.",
      },
      exemptNamespaces: {
        type: "array",
        items: { type: "string" },
        default: ["kube-system"],
        description: "Namespaces managed by the platform, not by this stack.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { directions, exemptNamespaces } = args.getConfig<{ directions: string[]; exemptNamespaces: string[] }>();
    const denied = new Map<string, Set<string>>();
    for (const policy of args.resources.filter(isOneOf(types.networkPolicy))) {
      const { namespace } = metadataOf(policy.props);
      denied.set(namespace, new Set([...(denied.get(namespace) ?? []), ...deniedDirections(policy)]));
    }
    checkEach(args.resources.filter(isOneOf(workloadTypes)), (workload) => {
      const { namespace } = metadataOf(workload.props);
      const missing = directions.filter((d) => !denied.get(namespace)?.has(d));
      if (missing.length > 0 && !exemptNamespaces.includes(namespace)) {
        reportViolation(
          `Workload "${workload.name}" runs in namespace "${namespace}", which has no default-deny NetworkPolicy for ${missing.join(", ")}.`,
          workload.urn,
        );
      }
    });
  },
};
