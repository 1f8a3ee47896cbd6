import * as assert from "assert";
import { LoadBalancer, LoadBalancerArgs } from "../../components/loadBalancer";
import { assertParentedToComponent, at, ofType, one, synthesizeComponent } from "../infra/resources";

const ARGS: LoadBalancerArgs = {
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  clientCidrs: ["10.0.0.0/8"],
  certificateArn: "arn:cert",
  nodePort: 30080,
  nodeSecurityGroupId: "sg-nodes",
  nodeAutoScalingGroupName: "asg-nodes",
  domainName: "goproxy.example.com",
  accessLogs: { bucket: "modproxy-logs", prefix: "alb" },
};

describe("LoadBalancer", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, hostedZoneId: "Z1" })));
  });

  it("serves HTTPS with a TLS 1.2+ policy and only redirects HTTP", async () => {
    const result = await synthesizeComponent(() => new LoadBalancer("lb", ARGS));
    const https = one(result, "aws:lb/listener:Listener", "lb-https");
    assert.deepStrictEqual(
      [https.inputs.protocol, https.inputs.port, https.inputs.sslPolicy, https.inputs.certificateArn],
      ["HTTPS", 443, "ELBSecurityPolicy-TLS13-1-2-2021-06", "arn:cert"],
    );
    const http = one(result, "aws:lb/listener:Listener", "lb-http-redirect");
    assert.deepStrictEqual(http.inputs.defaultActions, [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
  });

  it("tells browsers and clients to use HTTPS alone for a year (HSTS), on the HTTPS listener", async () => {
    const result = await synthesizeComponent(() => new LoadBalancer("lb", ARGS));
    const hsts = (name: string) => one(result, "aws:lb/listener:Listener", name).inputs.routingHttpResponseStrictTransportSecurityHeaderValue;
    assert.strictEqual(hsts("lb-https"), "max-age=31536000; includeSubDomains");
    // A redirect over plain HTTP cannot set it: clients ignore HSTS not received over TLS.
    assert.strictEqual(hsts("lb-http-redirect"), undefined);
    const custom = await synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, strictTransportSecurity: "max-age=63072000" }));
    assert.strictEqual(one(custom, "aws:lb/listener:Listener", "lb-https").inputs.routingHttpResponseStrictTransportSecurityHeaderValue, "max-age=63072000");
  });

  it("is internal by default and admits only the client ranges", async () => {
    const result = await synthesizeComponent(() => new LoadBalancer("lb", ARGS));
    const alb = one(result, "aws:lb/loadBalancer:LoadBalancer");
    assert.strictEqual(alb.inputs.internal, true);
    assert.strictEqual(alb.inputs.dropInvalidHeaderFields, true);
    const ingress = at(one(result, "aws:ec2/securityGroup:SecurityGroup"), "ingress") as { cidrBlocks: string[]; fromPort: number }[];
    assert.deepStrictEqual(
      ingress.map((rule) => [rule.fromPort, rule.cidrBlocks]),
      [
        [443, ["10.0.0.0/8"]],
        [80, ["10.0.0.0/8"]],
      ],
    );
    assert.deepStrictEqual(ofType(result, "aws:route53/record:Record"), []);
  });

  it("writes access logs to the given bucket and prefix", async () => {
    const alb = one(await synthesizeComponent(() => new LoadBalancer("lb", ARGS)), "aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual(alb.inputs.accessLogs, { bucket: "modproxy-logs", prefix: "alb", enabled: true });
  });

  it("sends traffic only to the nodes' NodePort", async () => {
    const securityGroup = one(await synthesizeComponent(() => new LoadBalancer("lb", ARGS)), "aws:ec2/securityGroup:SecurityGroup");
    assert.deepStrictEqual(
      (at(securityGroup, "egress") as Record<string, unknown>[]).map(({ protocol, fromPort, toPort, securityGroups, cidrBlocks }) => ({
        protocol,
        fromPort,
        toPort,
        securityGroups,
        cidrBlocks,
      })),
      [{ protocol: "tcp", fromPort: 30080, toPort: 30080, securityGroups: ["sg-nodes"], cidrBlocks: undefined }],
    );
  });

  it("targets the nodes' NodePort, health-checks /readyz, and opens the node group only from itself", async () => {
    const result = await synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, internal: false, hostedZoneId: "Z1" }));
    const targets = one(result, "aws:lb/targetGroup:TargetGroup");
    assert.deepStrictEqual(
      [targets.inputs.protocol, targets.inputs.port, at(targets, "healthCheck.protocol"), at(targets, "healthCheck.path")],
      ["HTTPS", 30080, "HTTPS", "/readyz"],
      "the pods serve TLS, so requests stay encrypted up to them",
    );
    assert.strictEqual(one(result, "aws:autoscaling/attachment:Attachment").inputs.autoscalingGroupName, "asg-nodes");
    const rule = one(result, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    assert.deepStrictEqual([rule.inputs.securityGroupId, rule.inputs.referencedSecurityGroupId, rule.inputs.fromPort], ["sg-nodes", "lb-sg-id", 30080]);
    assert.strictEqual(one(result, "aws:lb/loadBalancer:LoadBalancer").inputs.internal, false);
    assert.strictEqual(one(result, "aws:route53/record:Record").inputs.name, "goproxy.example.com");
  });

  it("opens only HTTPS to the whole internet when a public load balancer admits internet-wide ranges", async () => {
    const clientCidrs = ["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8"];
    const result = await synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, internal: false, clientCidrs }));
    const ingress = at(one(result, "aws:ec2/securityGroup:SecurityGroup"), "ingress") as { cidrBlocks: string[]; fromPort: number }[];
    assert.deepStrictEqual(
      ingress.map((rule) => [rule.fromPort, rule.cidrBlocks]),
      [
        [443, clientCidrs],
        [80, ["10.0.0.0/8"]],
      ],
    );
    const worldOnly = await synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, internal: false, clientCidrs: ["0.0.0.0/0"] }));
    const worldIngress = at(one(worldOnly, "aws:ec2/securityGroup:SecurityGroup"), "ingress") as { fromPort: number }[];
    assert.deepStrictEqual(
      worldIngress.map((rule) => rule.fromPort),
      [443],
    );
  });

  it("refuses an internal load balancer open to everyone and a weak TLS policy", async () => {
    for (const wide of ["0.0.0.0/0", "0.0.0.0/1"]) {
      await assert.rejects(
        synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, clientCidrs: ["10.0.0.0/8", wide] })),
        /internal load balancer must not admit 0\.0\.0\.0\/0 or any range as wide \(e\.g\. 0\.0\.0\.0\/1\)/,
      );
    }
    await assert.rejects(
      synthesizeComponent(() => new LoadBalancer("lb", { ...ARGS, sslPolicy: "ELBSecurityPolicy-2016-08" as never })),
      /sslPolicy must be one of/,
    );
  });
});
