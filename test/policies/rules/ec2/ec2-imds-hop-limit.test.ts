import * as assert from "node:assert/strict";
import { ec2ImdsHopLimit } from "../../../../policies/rules/ec2/ec2-imds-hop-limit";
import { changed, messages, resource } from "../../helpers";

const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", {
  metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
});
const nodeGroup = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { launchTemplate: { id: "lt-1", version: "1" } });

describe("ec2-imds-hop-limit", () => {
  it("passes a hop limit of 1 and a node group on a launch template", async () => {
    assert.deepEqual(await messages(ec2ImdsHopLimit, [template, nodeGroup]), []);
  });
  it("reports a hop limit that lets containers through, unless config allows it", async () => {
    const two = changed(template, "metadataOptions.httpPutResponseHopLimit", 2);
    assert.deepEqual(await messages(ec2ImdsHopLimit, [two]), [
      "metadataOptions.httpPutResponseHopLimit is 2, which lets containers reach the metadata service; set it to 1.",
    ]);
    assert.deepEqual(await messages(ec2ImdsHopLimit, [two], { "ec2-imds-hop-limit": { maximumHopLimit: 2 } }), []);
  });
  it("reports a hop limit left to the image", async () => {
    assert.deepEqual(await messages(ec2ImdsHopLimit, [changed(template, "metadataOptions.httpPutResponseHopLimit", undefined)]), [
      "metadataOptions.httpPutResponseHopLimit is unset, so the image's default applies (2 on Amazon Linux 2023); set it to 1.",
    ]);
  });
  it("reports a node group left to EKS's default hop limit", async () => {
    assert.deepEqual(await messages(ec2ImdsHopLimit, [changed(nodeGroup, "launchTemplate", undefined)]), [
      "The node group has no launch template, so its nodes get EKS's default hop limit, which lets pods reach the metadata service.",
    ]);
  });
});
