import * as assert from "node:assert/strict";
import { securityGroupNoRemoteAdminFromAnywhere } from "../../../../policies/rules/vpc/security-group-no-ssh-rdp-from-anywhere";
import { messages, resource } from "../../helpers";

describe("security-group-no-ssh-rdp-from-anywhere", () => {
  it("passes SSH from a private range", async () => {
    const sg = resource("aws:ec2/securityGroup:SecurityGroup", "bastion", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }],
    });
    assert.deepEqual(await messages(securityGroupNoRemoteAdminFromAnywhere, [sg]), []);
  });
  it("reports a port range that covers SSH and RDP from anywhere", async () => {
    const sg = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "wide", {
      ipProtocol: "tcp",
      fromPort: 0,
      toPort: 4000,
      cidrIpv6: "::/0",
    });
    assert.deepEqual(await messages(securityGroupNoRemoteAdminFromAnywhere, [sg]), [
      "Ingress tcp/0-4000 exposes remote administration port(s) 22, 3389 to ::/0.",
    ]);
  });
  it("reports SSH from ranges wider than any private one", async () => {
    const sg = resource("aws:ec2/securityGroup:SecurityGroup", "bastion", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"], ipv6CidrBlocks: ["2000::/3"] }],
    });
    assert.deepEqual(await messages(securityGroupNoRemoteAdminFromAnywhere, [sg]), [
      "Ingress tcp/22 exposes remote administration port(s) 22 to 0.0.0.0/1, 128.0.0.0/1, 2000::/3.",
    ]);
  });
});
