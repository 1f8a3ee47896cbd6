import * as assert from "node:assert/strict";
import { kubernetesServiceNoExternalIps } from "../../../../policies/rules/kubernetes/k8s-service-no-external-ips";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("kubernetes:core/v1:Service", "proxy", {
  metadata: { namespace: "modproxy" },
  spec: { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] },
});

describe("k8s-service-no-external-ips", () => {
  it("passes a Service without externalIPs", async () => {
    assert.deepEqual(await messages(kubernetesServiceNoExternalIps, [baseline]), []);
  });
  it("reports externalIPs", async () => {
    assert.deepEqual(await messages(kubernetesServiceNoExternalIps, [changed(baseline, "spec.externalIPs", ["203.0.113.10"])]), [
      "The Service sets externalIPs 203.0.113.10; expose it through a load balancer or NodePort instead.",
    ]);
  });
});
