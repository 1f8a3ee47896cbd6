import * as assert from "node:assert/strict";
import { kubernetesContainerHardening } from "../../../../policies/rules/kubernetes/k8s-container-hardening";
import { deployment, messages, resource } from "../../helpers";

const hardened = { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };

describe("k8s-container-hardening", () => {
  it("passes a hardened container, with non-root inherited from the pod", async () => {
    assert.deepEqual(await messages(kubernetesContainerHardening, [deployment("proxy", { securityContext: hardened })]), []);
    const inherited = deployment(
      "proxy",
      { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } },
      { securityContext: { runAsUser: 65532 } },
    );
    assert.deepEqual(await messages(kubernetesContainerHardening, [inherited]), []);
  });
  it("reports each missing setting, including on init containers of a CronJob", async () => {
    const job = resource("kubernetes:batch/v1:CronJob", "gc", {
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { initContainers: [{ name: "init", securityContext: { ...hardened, runAsNonRoot: false } }], containers: [{ name: "gc" }] } },
          },
        },
      },
    });
    assert.deepEqual(await messages(kubernetesContainerHardening, [job]), [
      'Container "init" securityContext lacks runAsNonRoot: true (or a non-zero runAsUser).',
      'Container "gc" securityContext lacks runAsNonRoot: true (or a non-zero runAsUser), readOnlyRootFilesystem: true, allowPrivilegeEscalation: false.',
    ]);
  });
});
