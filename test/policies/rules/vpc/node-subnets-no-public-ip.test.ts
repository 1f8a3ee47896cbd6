import * as assert from "node:assert/strict";
import { nodeSubnetsNoPublicIp } from "../../../../policies/rules/vpc/node-subnets-no-public-ip";
import { messages, resource, violations } from "../../helpers";

describe("node-subnets-no-public-ip", () => {
  const publicSubnet = resource("aws:ec2/subnet:Subnet", "public-a", { id: "subnet-0pub", mapPublicIpOnLaunch: true, cidrBlock: "10.0.0.0/24" });
  const privateSubnet = resource("aws:ec2/subnet:Subnet", "private-a", { id: "subnet-0priv", cidrBlock: "10.0.1.0/24" });
  it("passes nodes in private subnets while public subnets serve the load balancer", async () => {
    const nodes = resource(
      "aws:eks/nodeGroup:NodeGroup",
      "nodes",
      { subnetIds: ["private-a-id"] },
      { propertyDependencies: { subnetIds: [privateSubnet.urn] } },
    );
    assert.deepEqual(await messages(nodeSubnetsNoPublicIp, [publicSubnet, privateSubnet, nodes]), []);
  });
  it("reports a public-IP subnet that hosts nodes, joined by the subnet's id", async () => {
    const nodes = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { subnetIds: ["subnet-0priv", "subnet-0pub"] });
    const found = await violations(nodeSubnetsNoPublicIp, [publicSubnet, privateSubnet, nodes]);
    assert.deepEqual(
      found.map((v) => [v.urn, v.message]),
      [[publicSubnet.urn, 'Subnet "public-a" maps public IPs on launch and hosts nodes of "nodes".']],
    );
  });
  it("does not join by logical name, which is no reference", async () => {
    const instance = resource("aws:ec2/instance:Instance", "bastion", { subnetId: publicSubnet.name });
    assert.deepEqual(await messages(nodeSubnetsNoPublicIp, [publicSubnet, instance]), []);
  });
});
