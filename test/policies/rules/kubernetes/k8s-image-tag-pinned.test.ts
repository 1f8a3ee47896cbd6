import * as assert from "node:assert/strict";
import { kubernetesImageTagPinned } from "../../../../policies/rules/kubernetes/k8s-image-tag-pinned";
import { changed, containerPath, hardenedDeployment, messages } from "../../helpers";

const image = (ref: string) => changed(hardenedDeployment, containerPath("image"), ref);

describe("k8s-image-tag-pinned", () => {
  it("passes a version tag, a digest, and a registry with a port", async () => {
    assert.deepEqual(
      await messages(kubernetesImageTagPinned, [hardenedDeployment, image("registry:5000/modproxy:1.0.0"), image(`modproxy@sha256:${"a".repeat(64)}`)]),
      [],
    );
  });
  it("reports latest and a missing tag", async () => {
    assert.deepEqual(await messages(kubernetesImageTagPinned, [image("registry.example.com/modproxy:latest")]), [
      'Container "proxy" image registry.example.com/modproxy:latest uses the latest tag; pin a version or a digest.',
    ]);
    assert.deepEqual(await messages(kubernetesImageTagPinned, [image("registry:5000/modproxy")]), [
      'Container "proxy" image registry:5000/modproxy has no tag; pin a version or a digest.',
    ]);
  });
});
