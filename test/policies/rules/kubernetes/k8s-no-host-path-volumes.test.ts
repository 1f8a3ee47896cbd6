import * as assert from "node:assert/strict";
import { kubernetesNoHostPathVolumes } from "../../../../policies/rules/kubernetes/k8s-no-host-path-volumes";
import { changed, hardenedDeployment, messages, podPath } from "../../helpers";

describe("k8s-no-host-path-volumes", () => {
  it("passes pod-local volumes", async () => {
    assert.deepEqual(await messages(kubernetesNoHostPathVolumes, [hardenedDeployment]), []);
  });
  it("reports a hostPath volume", async () => {
    const mounted = changed(hardenedDeployment, podPath("volumes.0"), { name: "docker", hostPath: { path: "/var/run/docker.sock" } });
    assert.deepEqual(await messages(kubernetesNoHostPathVolumes, [mounted]), ['Volume "docker" mounts the node\'s /var/run/docker.sock (hostPath).']);
  });
});
