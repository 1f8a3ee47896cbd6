import * as assert from "node:assert/strict";
import { kubernetesCapabilitiesRestricted } from "../../../../policies/rules/kubernetes/k8s-capabilities-restricted";
import { changed, containerPath, hardenedDeployment, messages } from "../../helpers";

const capabilities = containerPath("securityContext.capabilities");

describe("k8s-capabilities-restricted", () => {
  it("passes a container dropping ALL, or adding back NET_BIND_SERVICE", async () => {
    assert.deepEqual(await messages(kubernetesCapabilitiesRestricted, [hardenedDeployment]), []);
    assert.deepEqual(await messages(kubernetesCapabilitiesRestricted, [changed(hardenedDeployment, `${capabilities}.add`, ["NET_BIND_SERVICE"])]), []);
  });
  it("reports a container that keeps the runtime's default capabilities", async () => {
    assert.deepEqual(await messages(kubernetesCapabilitiesRestricted, [changed(hardenedDeployment, `${capabilities}.drop`, ["NET_RAW"])]), [
      'Container "proxy" does not drop ALL capabilities.',
    ]);
  });
  it("reports added capabilities such as SYS_ADMIN and NET_RAW", async () => {
    assert.deepEqual(await messages(kubernetesCapabilitiesRestricted, [changed(hardenedDeployment, `${capabilities}.add`, ["SYS_ADMIN", "CAP_NET_RAW"])]), [
      'Container "proxy" adds capabilities SYS_ADMIN, CAP_NET_RAW.',
    ]);
  });
});
