import * as assert from "node:assert/strict";
import { kubernetesNoDefaultServiceAccount } from "../../../../policies/rules/kubernetes/k8s-no-default-service-account";
import { changed, hardenedDeployment, messages, podPath } from "../../helpers";

describe("k8s-no-default-service-account", () => {
  it("passes a pod with its own service account", async () => {
    assert.deepEqual(await messages(kubernetesNoDefaultServiceAccount, [hardenedDeployment]), []);
  });
  it("reports a pod that names none, or the default one", async () => {
    const expected = ["The pod runs as the namespace's default service account; give it one of its own (serviceAccountName)."];
    assert.deepEqual(await messages(kubernetesNoDefaultServiceAccount, [changed(hardenedDeployment, podPath("serviceAccountName"), undefined)]), expected);
    assert.deepEqual(await messages(kubernetesNoDefaultServiceAccount, [changed(hardenedDeployment, podPath("serviceAccountName"), "default")]), expected);
  });
});
