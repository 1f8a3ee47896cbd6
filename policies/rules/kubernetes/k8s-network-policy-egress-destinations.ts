import { ResourceValidationPolicy } from "@pulumi/policy";
import { internetPorts, internetPortsSchema } from "../../lib/internet-ports";
import { internetWideBlock, networkPolicyRules } from "../../lib/network-policies";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt } from "../../lib/values";

export const kubernetesNetworkPolicyEgressDestinations: ResourceValidationPolicy = {
  name: "k8s-network-policy-egress-destinations",
  description:
    "NetworkPolicy egress rules that reach every destination (no `to`) or the internet (an internet-wide ipBlock) are limited to the allowed TCP ports, never every port or protocol.",
  enforcementLevel: "mandatory",
  configSchema: internetPortsSchema,
  validateResource: validateResourceOfTypes(types.networkPolicy, (props, args, reportViolation) => {
    const allowedPorts = internetPorts(args);
    for (const { label, peers, ports } of networkPolicyRules(props, "egress")) {
      const wide = peers.length === 0 ? ["every destination"] : peers.map(internetWideBlock).filter((w) => w !== undefined);
      if (wide.length === 0) {
        continue;
      }
      if (ports.length === 0) {
        reportViolation(`${label} reaches ${wide.join(", ")} on every port; list the ports it needs.`);
        continue;
      }
      const outside = ports.map(recordAt).filter((p) => {
        const protocol = p.protocol ?? "TCP";
        const single = p.endPort === undefined || p.endPort === p.port;
        return protocol !== "TCP" || !single || typeof p.port !== "number" || !allowedPorts.includes(p.port);
      });
      if (outside.length > 0) {
        const shown = outside.map((p) => `${String(p.protocol ?? "TCP")}/${String(p.port ?? "any")}${p.endPort !== undefined ? `-${String(p.endPort)}` : ""}`);
        reportViolation(`${label} reaches ${wide.join(", ")} on ${shown.join(", ")}; only TCP port(s) ${allowedPorts.join(", ")} may.`);
      }
    }
  }),
};
