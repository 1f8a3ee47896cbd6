import * as assert from "node:assert/strict";
import { kubernetesNamespacePodSecurityEnforced } from "../../../../policies/rules/kubernetes/k8s-namespace-pod-security-enforced";
import { changed, messages, resource } from "../../helpers";

const namespace = resource("kubernetes:core/v1:Namespace", "ns", {
  metadata: { name: "modproxy", labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } },
});
const withLevel = (level: string | undefined) => {
  const copy = structuredClone(namespace);
  const labels = (copy.inputs.metadata as { labels: Record<string, string> }).labels;
  if (level === undefined) {
    delete labels["pod-security.kubernetes.io/enforce"];
  } else {
    labels["pod-security.kubernetes.io/enforce"] = level;
  }
  return copy;
};

describe("k8s-namespace-pod-security-enforced", () => {
  it("passes a namespace enforcing restricted", async () => {
    assert.deepEqual(await messages(kubernetesNamespacePodSecurityEnforced, [namespace]), []);
  });
  it("reports the label weakened or removed", async () => {
    assert.deepEqual(await messages(kubernetesNamespacePodSecurityEnforced, [withLevel("baseline")]), [
      "pod-security.kubernetes.io/enforce is baseline; enforce restricted.",
    ]);
    assert.deepEqual(await messages(kubernetesNamespacePodSecurityEnforced, [withLevel(undefined)]), [
      "pod-security.kubernetes.io/enforce is unset; enforce restricted.",
    ]);
  });
  it("takes a lower minimum from config and exempts kube-system", async () => {
    assert.deepEqual(
      await messages(kubernetesNamespacePodSecurityEnforced, [withLevel("baseline")], { "k8s-namespace-pod-security-enforced": { minimumLevel: "baseline" } }),
      [],
    );
    assert.deepEqual(await messages(kubernetesNamespacePodSecurityEnforced, [changed(withLevel(undefined), "metadata.name", "kube-system")]), []);
  });
});
