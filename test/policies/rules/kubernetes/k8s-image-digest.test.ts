import * as assert from "node:assert/strict";
import { kubernetesImageDigest } from "../../../../policies/rules/kubernetes/k8s-image-digest";
import { changed, containerPath, hardenedDeployment, violations } from "../../helpers";

const findings = async (...args: Parameters<typeof violations>) => (await violations(...args)).map((v) => [v.enforcementLevel, v.message]);

describe("k8s-image-digest", () => {
  it("passes an image pinned by digest", async () => {
    assert.deepEqual(await findings(kubernetesImageDigest, [hardenedDeployment]), []);
  });
  it("advises on a tag, and is mandatory where the stack's pack config says so", async () => {
    const tagged = changed(hardenedDeployment, containerPath("image"), "registry.example.com/modproxy:1.0.0");
    const message = 'Container "proxy" image registry.example.com/modproxy:1.0.0 is not pinned by digest (@sha256:...).';
    assert.deepEqual(await findings(kubernetesImageDigest, [tagged]), [["advisory", message]]);
    assert.deepEqual(await findings(kubernetesImageDigest, [tagged], { "k8s-image-digest": "mandatory" }), [["mandatory", message]]);
  });
});
