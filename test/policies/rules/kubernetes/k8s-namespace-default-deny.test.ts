import * as assert from "node:assert/strict";
import { kubernetesNamespaceDefaultDeny } from "../../../../policies/rules/kubernetes/k8s-namespace-default-deny";
import { deployment, messages, resource, urnOf, violations } from "../../helpers";

describe("k8s-namespace-default-deny", () => {
  const proxy = deployment("proxy", {});
  const denyAll = (namespace: string, spec: Record<string, unknown> = {}) =>
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", `deny-${namespace}`, {
      metadata: { namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec },
    });
  it("passes a namespace with a default-deny policy", async () => {
    assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, denyAll("modproxy")]), []);
  });
  it("accepts ingress and egress denied by separate policies", async () => {
    const ingress = denyAll("modproxy", { policyTypes: ["Ingress"] });
    const egress = resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny-egress", {
      metadata: { namespace: "modproxy" },
      spec: { podSelector: {}, policyTypes: ["Egress"] },
    });
    assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, ingress, egress]), []);
  });
  it("reports the workload when the policy is elsewhere or selects only some pods", async () => {
    const partial = denyAll("modproxy", { podSelector: { matchLabels: { app: "other" } } });
    const found = await violations(kubernetesNamespaceDefaultDeny, [proxy, denyAll("other"), partial]);
    assert.deepEqual(
      found.map((v) => [v.urn, v.message]),
      [
        [
          urnOf("kubernetes:apps/v1:Deployment", "proxy"),
          'Workload "proxy" runs in namespace "modproxy", which has no default-deny NetworkPolicy for Ingress, Egress.',
        ],
      ],
    );
  });
  it("reports a direction that has allow rules, unless config requires only ingress", async () => {
    const allowsEgress = denyAll("modproxy", { egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] });
    assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, allowsEgress]), [
      'Workload "proxy" runs in namespace "modproxy", which has no default-deny NetworkPolicy for Egress.',
    ]);
    assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, allowsEgress], { "k8s-namespace-default-deny": { directions: ["Ingress"] } }), []);
  });
  it("takes an object the engine gives no properties (its cluster is not known yet) as unknown, not as in the default namespace", async () => {
    // So the engine sends the objects of a cluster still to be created, in a stack's first preview.
    const pending = [resource("kubernetes:apps/v1:Deployment", "proxy", {}), resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny", {})];
    assert.deepEqual(
      (await violations(kubernetesNamespaceDefaultDeny, pending)).map((v) => [v.enforcementLevel, v.message]),
      [
        [
          "advisory",
          "can't run policy 'k8s-namespace-default-deny' from policy pack 'modproxy@v0.1.0' during preview: Object value at .metadata can't be known during preview",
        ],
      ],
    );
  });
  it("exempts kube-system by default, and the namespaces config names instead", async () => {
    const system = deployment("coredns", {}, {}, "kube-system");
    const monitoring = deployment("agent", {}, {}, "monitoring");
    assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [system]), []);
    assert.deepEqual(
      await messages(kubernetesNamespaceDefaultDeny, [system, monitoring], { "k8s-namespace-default-deny": { exemptNamespaces: ["monitoring"] } }),
      ['Workload "coredns" runs in namespace "kube-system", which has no default-deny NetworkPolicy for Ingress, Egress.'],
    );
  });
});
