import * as assert from "node:assert/strict";
import { kubernetesSeccompRuntimeDefault } from "../../../../policies/rules/kubernetes/k8s-seccomp-runtime-default";
import { changed, containerPath, hardenedDeployment, messages, podPath } from "../../helpers";

describe("k8s-seccomp-runtime-default", () => {
  it("passes RuntimeDefault on the container, or inherited from the pod", async () => {
    assert.deepEqual(await messages(kubernetesSeccompRuntimeDefault, [hardenedDeployment]), []);
    assert.deepEqual(
      await messages(kubernetesSeccompRuntimeDefault, [changed(hardenedDeployment, containerPath("securityContext.seccompProfile"), undefined)]),
      [],
    );
  });
  it("reports an Unconfined container overriding the pod", async () => {
    assert.deepEqual(
      await messages(kubernetesSeccompRuntimeDefault, [changed(hardenedDeployment, containerPath("securityContext.seccompProfile.type"), "Unconfined")]),
      ['Container "proxy" runs with seccomp profile Unconfined; use RuntimeDefault.'],
    );
  });
  it("reports a container with no profile anywhere", async () => {
    const noPodProfile = changed(hardenedDeployment, podPath("securityContext.seccompProfile"), undefined);
    assert.deepEqual(await messages(kubernetesSeccompRuntimeDefault, [changed(noPodProfile, containerPath("securityContext.seccompProfile"), undefined)]), [
      'Container "proxy" runs without a seccomp profile (Unconfined); use RuntimeDefault.',
    ]);
  });
});
