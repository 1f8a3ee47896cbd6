import * as assert from "node:assert/strict";
import { kubernetesNoHostNamespaces } from "../../../../policies/rules/kubernetes/k8s-no-host-namespaces";
import { changed, hardenedDeployment, messages, podPath } from "../../helpers";

describe("k8s-no-host-namespaces", () => {
  it("passes a pod in its own namespaces", async () => {
    assert.deepEqual(await messages(kubernetesNoHostNamespaces, [hardenedDeployment]), []);
  });
  it("reports hostPID and hostIPC", async () => {
    assert.deepEqual(await messages(kubernetesNoHostNamespaces, [changed(hardenedDeployment, podPath("hostPID"), true)]), ["hostPID is true."]);
    assert.deepEqual(await messages(kubernetesNoHostNamespaces, [changed(hardenedDeployment, podPath("hostIPC"), true)]), ["hostIPC is true."]);
  });
});
