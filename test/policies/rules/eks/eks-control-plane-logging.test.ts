import * as assert from "node:assert/strict";
import { eksControlPlaneLogging } from "../../../../policies/rules/eks/eks-control-plane-logging";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:eks/cluster:Cluster", "eks", { enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] });

describe("eks-control-plane-logging", () => {
  it("passes a cluster sending every control-plane log", async () => {
    assert.deepEqual(await messages(eksControlPlaneLogging, [baseline]), []);
  });
  it("reports the logs left out", async () => {
    assert.deepEqual(await messages(eksControlPlaneLogging, [changed(baseline, "enabledClusterLogTypes", ["api"])]), [
      "Control-plane logs audit, authenticator, controllerManager, scheduler are not enabled (enabledClusterLogTypes).",
    ]);
  });
  it("requires only the configured types", async () => {
    const auditOnly = changed(baseline, "enabledClusterLogTypes", ["audit", "authenticator"]);
    assert.deepEqual(
      await messages(eksControlPlaneLogging, [auditOnly], { "eks-control-plane-logging": { requiredLogTypes: ["audit", "authenticator"] } }),
      [],
    );
  });
});
