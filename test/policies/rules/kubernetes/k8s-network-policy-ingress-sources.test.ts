import * as assert from "node:assert/strict";
import { kubernetesNetworkPolicyIngressSources } from "../../../../policies/rules/kubernetes/k8s-network-policy-ingress-sources";
import { changed, messages, resource } from "../../helpers";

// The proxy's allowance: the load balancer's subnet, and monitoring pods, on the proxy's port.
const baseline = resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow", {
  metadata: { namespace: "modproxy" },
  spec: {
    podSelector: { matchLabels: { app: "modproxy" } },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ ipBlock: { cidr: "10.0.0.0/20" } }, { namespaceSelector: { matchLabels: { team: "monitoring" } }, podSelector: {} }],
        ports: [{ protocol: "TCP", port: 3000 }],
      },
    ],
  },
});

describe("k8s-network-policy-ingress-sources", () => {
  it("passes sources named by range and by selector", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyIngressSources, [baseline]), []);
  });
  it("reports a rule without sources, as an allow-all policy beside the default deny has", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyIngressSources, [changed(baseline, "spec.ingress.0.from", undefined)]), [
      'spec.ingress[0] has no "from", so it admits every source.',
    ]);
  });
  it("reports an internet-wide range", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyIngressSources, [changed(baseline, "spec.ingress.0.from.0.ipBlock.cidr", "0.0.0.0/0")]), [
      "spec.ingress[0] admits 0.0.0.0/0; name the load balancer's or the clients' ranges instead.",
    ]);
  });
  it("reports an empty namespace selector on its own, which matches every pod in the cluster", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyIngressSources, [changed(baseline, "spec.ingress.0.from.1", { namespaceSelector: {} })]), [
      "spec.ingress[0] admits every pod in every namespace; name the load balancer's or the clients' ranges instead.",
    ]);
  });
});
