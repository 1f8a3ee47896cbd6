import * as assert from "node:assert/strict";
import { kubernetesNetworkPolicyEgressDestinations } from "../../../../policies/rules/kubernetes/k8s-network-policy-egress-destinations";
import { changed, messages, resource } from "../../helpers";

// DNS to kube-dns, anything to the VPC, HTTPS to the internet minus the metadata service.
const baseline = resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow", {
  metadata: { namespace: "modproxy" },
  spec: {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }],
      },
      { to: [{ ipBlock: { cidr: "10.0.0.0/16" } }] },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }], ports: [{ protocol: "TCP", port: 443 }] },
    ],
  },
});

describe("k8s-network-policy-egress-destinations", () => {
  it("passes HTTPS to the internet and anything to narrower destinations", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyEgressDestinations, [baseline]), []);
  });
  it("reports a rule without destinations or ports, as an allow-all policy has", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyEgressDestinations, [changed(baseline, "spec.egress.1.to", undefined)]), [
      "spec.egress[1] reaches every destination on every port; list the ports it needs.",
    ]);
  });
  it("reports the internet on every port", async () => {
    assert.deepEqual(await messages(kubernetesNetworkPolicyEgressDestinations, [changed(baseline, "spec.egress.2.ports", undefined)]), [
      "spec.egress[2] reaches 0.0.0.0/0 on every port; list the ports it needs.",
    ]);
  });
  it("reports other ports, protocols and port ranges to the internet, unless config allows them", async () => {
    const dnsAnywhere = changed(baseline, "spec.egress.0.to", undefined);
    assert.deepEqual(await messages(kubernetesNetworkPolicyEgressDestinations, [dnsAnywhere]), [
      "spec.egress[0] reaches every destination on UDP/53; only TCP port(s) 443 may.",
    ]);
    assert.deepEqual(await messages(kubernetesNetworkPolicyEgressDestinations, [changed(baseline, "spec.egress.2.ports.0.endPort", 8443)]), [
      "spec.egress[2] reaches 0.0.0.0/0 on TCP/443-8443; only TCP port(s) 443 may.",
    ]);
    const http = changed(baseline, "spec.egress.2.ports.0.port", 80);
    assert.deepEqual(
      await messages(kubernetesNetworkPolicyEgressDestinations, [http], { "k8s-network-policy-egress-destinations": { allowedPorts: [80, 443] } }),
      [],
    );
  });
});
