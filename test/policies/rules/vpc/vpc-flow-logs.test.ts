import * as assert from "node:assert/strict";
import { vpcFlowLogs } from "../../../../policies/rules/vpc/vpc-flow-logs";
import { changed, resource, violations } from "../../helpers";

const vpc = resource("aws:ec2/vpc:Vpc", "net", { cidrBlock: "10.0.0.0/16" });
const flowLog = resource(
  "aws:ec2/flowLog:FlowLog",
  "net-flow-log",
  { vpcId: "vpc-1", trafficType: "ALL", logDestinationType: "cloud-watch-logs" },
  { propertyDependencies: { vpcId: [vpc.urn] } },
);
const findings = async (...resources: Parameters<typeof violations>[1]) => (await violations(vpcFlowLogs, resources)).map((v) => [v.urn, v.message]);

describe("vpc-flow-logs", () => {
  it("passes a VPC logging all traffic", async () => {
    assert.deepEqual(await findings(vpc, flowLog), []);
  });
  it("reports a VPC without a flow log", async () => {
    assert.deepEqual(await findings(vpc), [[vpc.urn, 'VPC "net" has no flow log.']]);
  });
  it("reports a flow log recording only rejected traffic", async () => {
    assert.deepEqual(await findings(vpc, changed(flowLog, "trafficType", "REJECT")), [
      [vpc.urn, 'VPC "net" flow logs record REJECT traffic only; record ALL.'],
    ]);
  });
});
