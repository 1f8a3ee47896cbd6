import * as assert from "node:assert/strict";
import { ec2Imdsv2Required } from "../../../../policies/rules/ec2/ec2-imdsv2-required";
import { changed, messages, resource } from "../../helpers";

const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", {
  metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
});
const nodeGroup = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { launchTemplate: { id: "lt-1", version: "1" } });

describe("ec2-imdsv2-required", () => {
  it("passes required tokens, a disabled endpoint, and a node group on a launch template", async () => {
    assert.deepEqual(await messages(ec2Imdsv2Required, [template, nodeGroup]), []);
    const off = changed(changed(template, "metadataOptions.httpTokens", undefined), "metadataOptions.httpEndpoint", "disabled");
    assert.deepEqual(await messages(ec2Imdsv2Required, [off]), []);
  });
  it("reports IMDSv1 allowed, explicitly or by default", async () => {
    assert.deepEqual(await messages(ec2Imdsv2Required, [changed(template, "metadataOptions.httpTokens", "optional")]), [
      "metadataOptions.httpTokens is optional, which allows IMDSv1: set it to required.",
    ]);
    const instance = resource("aws:ec2/instance:Instance", "runner", {});
    assert.deepEqual(await messages(ec2Imdsv2Required, [instance]), ["metadataOptions.httpTokens is unset, which allows IMDSv1: set it to required."]);
  });
  it("reports a node group left to EKS's default metadata options", async () => {
    assert.deepEqual(await messages(ec2Imdsv2Required, [changed(nodeGroup, "launchTemplate", undefined)]), [
      "The node group has no launch template, so its nodes get EKS's default metadata options, which allow IMDSv1.",
    ]);
  });
});
