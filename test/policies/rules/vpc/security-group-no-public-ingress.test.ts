import * as assert from "node:assert/strict";
import { resolvePolicyConfig } from "../../../../policies/evaluate";
import { securityGroupNoPublicIngress } from "../../../../policies/rules/vpc/security-group-no-public-ingress";
import { messages, resource, urnOf } from "../../helpers";

describe("security-group-no-public-ingress", () => {
  const worldHttps = { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
  const group = (name: string, ingress: object[]) => resource("aws:ec2/securityGroup:SecurityGroup", name, { ingress });
  /** An application load balancer guarded by `sg`, with an HTTPS listener on 443, joined by property dependencies as the engine records them. */
  const loadBalancerFor = (sg: { urn: string }, internal: boolean) => {
    const alb = resource(
      "aws:lb/loadBalancer:LoadBalancer",
      "alb",
      { internal, securityGroups: ["sg-id"] },
      { propertyDependencies: { securityGroups: [sg.urn] } },
    );
    const https = resource("aws:lb/listener:Listener", "https", { protocol: "HTTPS", port: 443 }, { propertyDependencies: { loadBalancerArn: [alb.urn] } });
    return [alb, https];
  };
  it("passes ingress from private ranges", async () => {
    const sg = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "from-vpc", {
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.0.0.0/8",
    });
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [sg]), []);
  });
  it("admits the internet to the HTTPS listener port of an internet-facing load balancer the group guards", async () => {
    const albGroup = group("alb", [worldHttps]);
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, ...loadBalancerFor(albGroup, false)]), []);
  });
  it("joins a standalone rule to its group, and the group to the load balancer, by id and ARN", async () => {
    const albGroup = resource("aws:ec2/securityGroup:SecurityGroup", "alb", { id: "sg-0a1b" });
    const rule = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "https-in", {
      securityGroupId: "sg-0a1b",
      ipProtocol: "tcp",
      fromPort: 8443,
      toPort: 8443,
      cidrIpv6: "::/0",
    });
    const arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/nlb/50dc6c495c0c9188";
    const nlb = resource("aws:lb/loadBalancer:LoadBalancer", "nlb", { arn, loadBalancerType: "network", securityGroups: ["sg-0a1b"] });
    const tls = resource("aws:lb/listener:Listener", "tls", { protocol: "TLS", port: 8443, loadBalancerArn: arn });
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, rule, nlb, tls]), []);
    const elsewhere = { ...rule, urn: urnOf(rule.type, "https-in-2"), inputs: { ...rule.inputs, securityGroupId: "sg-9z8y" } };
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, elsewhere, nlb, tls]), [
      "Ingress tcp/8443 is open to ::/0; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
    ]);
  });
  it("reports world HTTPS on a group no internet-facing load balancer uses, whatever load-balancer-internal allows", async () => {
    const albGroup = group("alb", [worldHttps]);
    const open = ["Ingress tcp/443 is open to 0.0.0.0/0, ::/0; only an internet-facing load balancer's HTTPS/TLS listener port may be."];
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup]), open);
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, ...loadBalancerFor(albGroup, true)]), open);
    const closed = group("alb", []);
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [closed, group("nodes", [worldHttps]), ...loadBalancerFor(closed, false)]), open);
  });
  it("reports ports other than the listener's on the load balancer's group", async () => {
    const albGroup = group("alb", [worldHttps, { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }]);
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, ...loadBalancerFor(albGroup, false)]), [
      "Ingress tcp/80 is open to 0.0.0.0/0; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
    ]);
  });
  it("reports ranges that together span the internet, not only 0.0.0.0/0", async () => {
    const rule = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "halves", {
      type: "ingress",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8"],
    });
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [rule]), [
      "Ingress all traffic is open to 0.0.0.0/1, 128.0.0.0/1; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
    ]);
  });
  it("ignores egress rules", async () => {
    const rule = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "out", {
      type: "egress",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/0"],
    });
    assert.deepEqual(await messages(securityGroupNoPublicIngress, [rule]), []);
  });
  it("has no switch of its own: load-balancer-internal alone allows a public load balancer", () => {
    assert.throws(
      () => resolvePolicyConfig(securityGroupNoPublicIngress, { "security-group-no-public-ingress": { allowPublicLoadBalancer: true } }),
      /policy "security-group-no-public-ingress" has no config "allowPublicLoadBalancer" \(known: none\)/,
    );
  });
});
