import * as assert from "node:assert/strict";
import { kubernetesServiceAccountTokenNotAutomounted } from "../../../../policies/rules/kubernetes/k8s-service-account-token-not-automounted";
import { changed, hardenedDeployment, messages, podPath, resource } from "../../helpers";

const account = resource("kubernetes:core/v1:ServiceAccount", "modproxy-sa", {
  metadata: { name: "modproxy", namespace: "modproxy" },
  automountServiceAccountToken: false,
});
const mounting = [
  'Workload "proxy" mounts an API token for service account "modproxy/modproxy"; set automountServiceAccountToken to false, or list the account in apiServiceAccounts.',
];

describe("k8s-service-account-token-not-automounted", () => {
  it("passes a pod that turns the token off, or inherits that from its service account", async () => {
    assert.deepEqual(await messages(kubernetesServiceAccountTokenNotAutomounted, [hardenedDeployment, account]), []);
    const inherits = changed(hardenedDeployment, podPath("automountServiceAccountToken"), undefined);
    assert.deepEqual(await messages(kubernetesServiceAccountTokenNotAutomounted, [inherits, account]), []);
  });
  it("reports a pod that mounts the token, by its own setting or the account's default", async () => {
    assert.deepEqual(
      await messages(kubernetesServiceAccountTokenNotAutomounted, [changed(hardenedDeployment, podPath("automountServiceAccountToken"), true), account]),
      mounting,
    );
    const inherits = changed(hardenedDeployment, podPath("automountServiceAccountToken"), undefined);
    assert.deepEqual(
      await messages(kubernetesServiceAccountTokenNotAutomounted, [inherits, changed(account, "automountServiceAccountToken", undefined)]),
      mounting,
    );
  });
  it("lets listed accounts that call the API mount it", async () => {
    const calling = changed(hardenedDeployment, podPath("automountServiceAccountToken"), true);
    assert.deepEqual(
      await messages(kubernetesServiceAccountTokenNotAutomounted, [calling, account], {
        "k8s-service-account-token-not-automounted": { apiServiceAccounts: ["modproxy/modproxy"] },
      }),
      [],
    );
  });
});
