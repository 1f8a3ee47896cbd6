import * as assert from "node:assert/strict";
import { ec2VolumesEncrypted } from "../../../../policies/rules/ec2/ec2-volumes-encrypted";
import { changed, messages, resource } from "../../helpers";

const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", {
  blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true" } }],
});
const nodeGroup = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { launchTemplate: { id: "lt-1", version: "1" } });
const instance = resource("aws:ec2/instance:Instance", "runner", {
  rootBlockDevice: { encrypted: true },
  ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }],
});
const volume = resource("aws:ebs/volume:Volume", "data", { size: 10, encrypted: true });

describe("ec2-volumes-encrypted", () => {
  it("passes encrypted templates, instances and volumes, and a node group using a template", async () => {
    assert.deepEqual(await messages(ec2VolumesEncrypted, [template, nodeGroup, instance, volume]), []);
  });
  it("reports an unencrypted launch template device, or none mapped", async () => {
    assert.deepEqual(await messages(ec2VolumesEncrypted, [changed(template, "blockDeviceMappings.0.ebs.encrypted", "false")]), [
      "blockDeviceMappings /dev/xvda is not encrypted.",
    ]);
    assert.deepEqual(await messages(ec2VolumesEncrypted, [changed(template, "blockDeviceMappings", undefined)]), [
      "The launch template maps no block devices, so the root volume is encrypted only where the account turns on EBS encryption by default.",
    ]);
  });
  it("reports a node group without a launch template", async () => {
    assert.deepEqual(await messages(ec2VolumesEncrypted, [changed(nodeGroup, "launchTemplate", undefined)]), [
      "The node group has no launch template, so its volumes are encrypted only where the account turns on EBS encryption by default.",
    ]);
  });
  it("reports unencrypted instance and standalone volumes", async () => {
    assert.deepEqual(await messages(ec2VolumesEncrypted, [changed(instance, "ebsBlockDevices.0.encrypted", false)]), [
      "ebsBlockDevices /dev/sdf is not encrypted.",
    ]);
    assert.deepEqual(await messages(ec2VolumesEncrypted, [changed(instance, "rootBlockDevice", undefined)]), [
      "rootBlockDevice.encrypted is not true, so the root volume is encrypted only where the account turns on EBS encryption by default.",
    ]);
    assert.deepEqual(await messages(ec2VolumesEncrypted, [changed(volume, "encrypted", false)]), ["The volume is not encrypted: set encrypted to true."]);
  });
});
