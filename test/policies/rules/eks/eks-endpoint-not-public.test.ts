import * as assert from "node:assert/strict";
import { eksEndpointNotPublic } from "../../../../policies/rules/eks/eks-endpoint-not-public";
import { messages, resource } from "../../helpers";

describe("eks-endpoint-not-public", () => {
  const cluster = (vpcConfig: Record<string, unknown>) => resource("aws:eks/cluster:Cluster", "eks", { vpcConfig });
  it("passes a private endpoint and a public one limited to listed ranges", async () => {
    assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ endpointPublicAccess: false, endpointPrivateAccess: true })]), []);
    assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] })]), []);
  });
  it("reports the AWS default of a public endpoint open to everyone", async () => {
    assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({})]), [
      "The API endpoint is public to 0.0.0.0/0: set vpcConfig.endpointPublicAccess to false or list publicAccessCidrs.",
    ]);
  });
  it("reports 0.0.0.0/0 among the listed ranges", async () => {
    assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] })]), [
      "The public API endpoint allows 0.0.0.0/0.",
    ]);
  });
  it("reports ranges that together span the internet", async () => {
    assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })]), [
      "The public API endpoint allows 0.0.0.0/1, 128.0.0.0/1.",
    ]);
  });
});
