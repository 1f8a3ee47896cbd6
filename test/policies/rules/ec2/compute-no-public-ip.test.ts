import * as assert from "node:assert/strict";
import { computeNoPublicIp } from "../../../../policies/rules/ec2/compute-no-public-ip";
import { messages, resource } from "../../helpers";

describe("compute-no-public-ip", () => {
  it("passes an instance and launch template without public addresses", async () => {
    const instance = resource("aws:ec2/instance:Instance", "node", { associatePublicIpAddress: false });
    const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", { networkInterfaces: [{ associatePublicIpAddress: "false" }] });
    assert.deepEqual(await messages(computeNoPublicIp, [instance, template]), []);
  });
  it("reports public addresses on instances and launch template interfaces", async () => {
    const instance = resource("aws:ec2/instance:Instance", "node", { associatePublicIpAddress: true });
    const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", { networkInterfaces: [{ associatePublicIpAddress: "true" }] });
    assert.deepEqual(await messages(computeNoPublicIp, [instance, template]), [
      "associatePublicIpAddress is true.",
      "networkInterfaces[0].associatePublicIpAddress is true.",
    ]);
  });
});
