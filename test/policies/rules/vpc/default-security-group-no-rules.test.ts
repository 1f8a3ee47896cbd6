import * as assert from "node:assert/strict";
import { defaultSecurityGroupNoRules } from "../../../../policies/rules/vpc/default-security-group-no-rules";
import { changed, resource, violations } from "../../helpers";

const vpc = resource("aws:ec2/vpc:Vpc", "net", { cidrBlock: "10.0.0.0/16" });
const locked = resource(
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "net-default",
  { vpcId: "vpc-1", ingress: [], egress: [] },
  { propertyDependencies: { vpcId: [vpc.urn] } },
);
const findings = async (...resources: Parameters<typeof violations>[1]) =>
  (await violations(defaultSecurityGroupNoRules, resources)).map((v) => [v.urn, v.message]);

describe("default-security-group-no-rules", () => {
  it("passes a VPC whose default group is managed with no rules", async () => {
    assert.deepEqual(await findings(vpc, locked), []);
  });
  it("reports a VPC that leaves its default group to AWS", async () => {
    assert.deepEqual(await findings(vpc), [
      [vpc.urn, 'VPC "net" has no DefaultSecurityGroup, so its default group keeps AWS\'s rules (all traffic within the group, all egress).'],
    ]);
  });
  it("reports a default group that allows traffic", async () => {
    const allowing = changed(locked, "egress", [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]);
    assert.deepEqual(await findings(vpc, allowing), [[locked.urn, 'Default security group "net-default" has egress rules; leave it with none.']]);
  });
});
