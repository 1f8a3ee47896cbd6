import * as assert from "node:assert/strict";
import { kubernetesResourceLimits } from "../../../../policies/rules/kubernetes/k8s-resource-limits";
import { changed, containerPath, hardenedDeployment, violations } from "../../helpers";

const findings = async (...args: Parameters<typeof violations>) => (await violations(...args)).map((v) => [v.enforcementLevel, v.message]);

describe("k8s-resource-limits", () => {
  it("passes CPU and memory requests with a memory limit", async () => {
    assert.deepEqual(await findings(kubernetesResourceLimits, [hardenedDeployment]), []);
  });
  it("advises on a missing memory limit and CPU request", async () => {
    const unbounded = changed(changed(hardenedDeployment, containerPath("resources.limits"), undefined), containerPath("resources.requests.cpu"), undefined);
    assert.deepEqual(await findings(kubernetesResourceLimits, [unbounded]), [["advisory", 'Container "proxy" sets no cpu request, memory limit.']]);
  });
  it("can require CPU limits too, and be made mandatory", async () => {
    assert.deepEqual(
      await findings(kubernetesResourceLimits, [hardenedDeployment], {
        "k8s-resource-limits": { requiredLimits: ["cpu", "memory"], enforcementLevel: "mandatory" },
      }),
      [["mandatory", 'Container "proxy" sets no cpu limit.']],
    );
  });
});
