import * as assert from "node:assert/strict";
import { kubernetesNoHostNetwork } from "../../../../policies/rules/kubernetes/k8s-no-host-network";
import { deployment, messages } from "../../helpers";

describe("k8s-no-host-network", () => {
  it("passes a pod on the cluster network", async () => {
    assert.deepEqual(await messages(kubernetesNoHostNetwork, [deployment("proxy", { ports: [{ containerPort: 8080 }] })]), []);
  });
  it("reports hostNetwork and hostPort", async () => {
    const pod = deployment("proxy", { ports: [{ containerPort: 8080, hostPort: 8080 }] }, { hostNetwork: true });
    assert.deepEqual(await messages(kubernetesNoHostNetwork, [pod]), ["hostNetwork is true.", 'Container "proxy" binds hostPort 8080.']);
  });
});
