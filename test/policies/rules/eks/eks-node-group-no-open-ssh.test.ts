import * as assert from "node:assert/strict";
import { eksNodeGroupNoOpenSsh } from "../../../../policies/rules/eks/eks-node-group-no-open-ssh";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:eks/nodeGroup:NodeGroup", "nodes", {
  launchTemplate: { id: "lt-1", version: "1" },
  remoteAccess: { ec2SshKey: "ops", sourceSecurityGroupIds: ["sg-bastion"] },
});

describe("eks-node-group-no-open-ssh", () => {
  it("passes SSH limited to named groups, and no SSH at all", async () => {
    assert.deepEqual(await messages(eksNodeGroupNoOpenSsh, [baseline, changed(baseline, "remoteAccess", undefined)]), []);
  });
  it("reports an SSH key without source groups", async () => {
    assert.deepEqual(await messages(eksNodeGroupNoOpenSsh, [changed(baseline, "remoteAccess.sourceSecurityGroupIds", undefined)]), [
      "remoteAccess sets an SSH key but no sourceSecurityGroupIds, so EKS opens SSH to 0.0.0.0/0.",
    ]);
  });
});
