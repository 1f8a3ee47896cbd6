import * as assert from "assert";
import { Network } from "../../components/network";
import { at, ofType, one, synthesizeComponent } from "../infra/resources";

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  nat: "aws:ec2/natGateway:NatGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
};

describe("Network", () => {
  it("spans the zones given, with private subnets that never get public IPs", async () => {
    const result = await synthesizeComponent(
      () => new Network("net", { region: "eu-west-1", cidrBlock: "10.20.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"] }),
    );
    const subnets = ofType(result, T.subnet);
    assert.deepStrictEqual(subnets.map((s) => s.inputs.availabilityZone).sort(), ["eu-west-1a", "eu-west-1a", "eu-west-1b", "eu-west-1b"]);
    assert.ok(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false));
    assert.deepStrictEqual(
      subnets.filter((s) => s.name.includes("private")).map((s) => s.inputs.cidrBlock),
      ["10.20.64.0/18", "10.20.128.0/18"],
    );
  });

  it("takes the first zones of the region when none are given and routes only public subnets to the internet gateway", async () => {
    const result = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 3 }));
    assert.deepStrictEqual(
      ofType(result, T.subnet)
        .filter((s) => s.name.includes("public"))
        .map((s) => s.inputs.availabilityZone),
      ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    );
    const tables = ofType(result, T.routeTable);
    const viaGateway = tables.filter((t) => (t.inputs.routes as { gatewayId?: string }[]).some((r) => r.gatewayId !== undefined));
    assert.deepStrictEqual(
      viaGateway.map((t) => t.name),
      ["net-public-rt"],
    );
  });

  it("puts one NAT gateway per zone, or a single shared one", async () => {
    const perAz = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 3, natGateways: "perAz" }));
    assert.strictEqual(ofType(perAz, T.nat).length, 3);
    const single = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 3, natGateways: "single" }));
    assert.strictEqual(ofType(single, T.nat).length, 1);
    const natRoutes = ofType(single, T.routeTable)
      .flatMap((t) => (t.inputs.routes as { natGatewayId?: string }[]).map((r) => r.natGatewayId))
      .filter(Boolean);
    assert.deepStrictEqual(natRoutes, ["net-nat-0-id", "net-nat-0-id", "net-nat-0-id"]);
  });

  it("adds an S3 gateway endpoint and private-DNS interface endpoints for ECR, STS and Logs", async () => {
    const result = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 2 }));
    const endpoints = ofType(result, T.endpoint);
    const s3 = endpoints.find((e) => e.inputs.serviceName === "com.amazonaws.eu-west-1.s3");
    assert.strictEqual(s3?.inputs.vpcEndpointType, "Gateway");
    assert.strictEqual((s3?.inputs.routeTableIds as string[]).length, 2);
    const interfaces = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface");
    assert.deepStrictEqual(
      interfaces.map((e) => e.inputs.serviceName).sort(),
      ["ecr.api", "ecr.dkr", "logs", "sts"].map((s) => `com.amazonaws.eu-west-1.${s}`),
    );
    assert.ok(interfaces.every((e) => e.inputs.privateDnsEnabled === true));
  });

  it("logs all VPC traffic and strips every rule from the default security group", async () => {
    const result = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 2 }));
    const flowLog = one(result, "aws:ec2/flowLog:FlowLog");
    assert.strictEqual(flowLog.inputs.trafficType, "ALL");
    assert.strictEqual(flowLog.inputs.vpcId, "net-vpc-id");
    const defaultSg = one(result, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    assert.deepStrictEqual([at(defaultSg, "ingress"), at(defaultSg, "egress")], [[], []]);
  });

  it("refuses one zone", async () => {
    await assert.rejects(
      synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", availabilityZones: ["eu-west-1a"] })),
      /needs 2 or 3 availability zones/,
    );
  });
});
