import * as assert from "node:assert/strict";
import { kubernetesNoPrivilegedContainers } from "../../../../policies/rules/kubernetes/k8s-no-privileged-containers";
import { deployment, messages } from "../../helpers";

const hardened = { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };

describe("k8s-no-privileged-containers", () => {
  it("passes an unprivileged container", async () => {
    assert.deepEqual(await messages(kubernetesNoPrivilegedContainers, [deployment("proxy", { securityContext: hardened })]), []);
  });
  it("reports a privileged one", async () => {
    assert.deepEqual(await messages(kubernetesNoPrivilegedContainers, [deployment("proxy", { securityContext: { ...hardened, privileged: true } })]), [
      'Container "proxy" is privileged.',
    ]);
  });
});
