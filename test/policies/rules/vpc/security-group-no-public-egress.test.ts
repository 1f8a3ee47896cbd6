import * as assert from "node:assert/strict";
import { securityGroupNoPublicEgress } from "../../../../policies/rules/vpc/security-group-no-public-egress";
import { changed, messages, resource } from "../../helpers";

// HTTPS out to anywhere (the proxy's upstreams) and everything to a private range.
const baseline = resource("aws:ec2/securityGroup:SecurityGroup", "nodes", {
  egress: [
    { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
    { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] },
  ],
});

describe("security-group-no-public-egress", () => {
  it("passes HTTPS to the internet and any traffic to a private range", async () => {
    assert.deepEqual(await messages(securityGroupNoPublicEgress, [baseline]), []);
  });
  it("reports all traffic to the internet", async () => {
    assert.deepEqual(await messages(securityGroupNoPublicEgress, [changed(baseline, "egress.1.cidrBlocks", ["0.0.0.0/0"])]), [
      "Egress all traffic is open to 0.0.0.0/0; only tcp port(s) 443 may reach the internet.",
    ]);
  });
  it("reports a port range to the internet, unless config allows no more than it holds", async () => {
    const range = changed(baseline, "egress.0.toPort", 8443);
    assert.deepEqual(await messages(securityGroupNoPublicEgress, [range]), [
      "Egress tcp/443-8443 is open to 0.0.0.0/0, ::/0; only tcp port(s) 443 may reach the internet.",
    ]);
    const http = changed(baseline, "egress.0.fromPort", 80);
    assert.deepEqual(
      await messages(securityGroupNoPublicEgress, [changed(http, "egress.0.toPort", 80)], { "security-group-no-public-egress": { allowedPorts: [80] } }),
      [],
    );
  });
  it("reads standalone egress rules of both kinds and ignores ingress", async () => {
    const vpcRule = resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "out", {
      ipProtocol: "udp",
      fromPort: 53,
      toPort: 53,
      cidrIpv4: "0.0.0.0/0",
    });
    const ec2Rule = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "in", {
      type: "ingress",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/0"],
    });
    assert.deepEqual(await messages(securityGroupNoPublicEgress, [vpcRule, ec2Rule]), [
      "Egress udp/53 is open to 0.0.0.0/0; only tcp port(s) 443 may reach the internet.",
    ]);
  });
});
