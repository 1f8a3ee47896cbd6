import { ResourceValidationPolicy } from "@pulumi/policy";
import { networkPolicyRules, widePeer } from "../../lib/network-policies";
import { types, validateResourceOfTypes } from "../../lib/resource-types";

export const kubernetesNetworkPolicyIngressSources: ResourceValidationPolicy = {
  name: "k8s-network-policy-ingress-sources",
  description:
    "Every NetworkPolicy ingress rule names its sources, none of them everyone: no rule without `from`, no internet-wide ipBlock, no empty namespaceSelector alone (every pod in the cluster), since one such rule cancels the default deny.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.networkPolicy, (props, _args, reportViolation) => {
    for (const { label, peers } of networkPolicyRules(props, "ingress")) {
      if (peers.length === 0) {
        reportViolation(`${label} has no "from", so it admits every source.`);
        continue;
      }
      const wide = peers.map(widePeer).filter((w): w is string => w !== undefined);
      if (wide.length > 0) {
        reportViolation(`${label} admits ${wide.join(", ")}; name the load balancer's or the clients' ranges instead.`);
      }
    }
  }),
};
