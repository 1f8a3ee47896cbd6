import * as assert from "assert";
import { Network } from "../../components/network";
import { assertParentedToComponent, at, ofType, one, synthesizeComponent } from "../infra/resources";

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  nat: "aws:ec2/natGateway:NatGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
};

describe("Network", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 3 })));
  });

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

  it("routes each private subnet through the NAT gateway of its own zone when there is one per zone", async () => {
    const result = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 3, natGateways: "perAz" }));
    const byId = (type: string, id: unknown) => ofType(result, type).find((resource) => resource.id === id);
    const zones = ofType(result, "aws:ec2/routeTableAssociation:RouteTableAssociation").flatMap((association) => {
      const table = byId(T.routeTable, association.inputs.routeTableId);
      const natGatewayId = (table?.inputs.routes as { natGatewayId?: string }[])[0].natGatewayId;
      if (natGatewayId === undefined) {
        return [];
      }
      const nat = byId(T.nat, natGatewayId);
      return [
        [byId(T.subnet, association.inputs.subnetId)?.inputs.availabilityZone, byId(T.subnet, nat?.inputs.subnetId)?.inputs.availabilityZone, natGatewayId],
      ];
    });
    assert.deepStrictEqual(
      zones.map(([subnetZone, natZone]) => [subnetZone, natZone]),
      ["eu-west-1a", "eu-west-1b", "eu-west-1c"].map((zone) => [zone, zone]),
    );
    assert.strictEqual(new Set(zones.map(([, , nat]) => nat)).size, 3);
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
    // The interface endpoints take HTTPS from the VPC and nothing else.
    const endpointSg = one(result, "aws:ec2/securityGroup:SecurityGroup");
    assert.deepStrictEqual(
      interfaces.map((e) => e.inputs.securityGroupIds),
      interfaces.map(() => [endpointSg.id]),
    );
    assert.deepStrictEqual(
      (endpointSg.inputs.ingress as Record<string, unknown>[]).map(({ protocol, fromPort, toPort, cidrBlocks }) => ({
        protocol,
        fromPort,
        toPort,
        cidrBlocks,
      })),
      [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }],
    );
    assert.strictEqual(endpointSg.inputs.egress, undefined);
  });

  it("logs all VPC traffic and strips every rule from the default security group", async () => {
    const result = await synthesizeComponent(() => new Network("net", { region: "eu-west-1", cidrBlock: "10.0.0.0/16", azCount: 2 }));
    const flowLog = one(result, "aws:ec2/flowLog:FlowLog");
    assert.strictEqual(flowLog.inputs.trafficType, "ALL");
    assert.strictEqual(flowLog.inputs.vpcId, one(result, T.vpc).id);
    // Delivered to its own log group, by a role only the flow-logs service can assume, allowed to write there only.
    const logGroup = one(result, "aws:cloudwatch/logGroup:LogGroup");
    assert.strictEqual(logGroup.inputs.retentionInDays, 365, "a year, the pack's minimum");
    const role = one(result, "aws:iam/role:Role");
    assert.deepStrictEqual(
      [flowLog.inputs.logDestinationType, flowLog.inputs.logDestination, flowLog.inputs.iamRoleArn],
      ["cloud-watch-logs", logGroup.outputs.arn, role.outputs.arn],
    );
    assert.deepStrictEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal, { Service: "vpc-flow-logs.amazonaws.com" });
    const grant = one(result, "aws:iam/rolePolicy:RolePolicy");
    assert.strictEqual(grant.inputs.role, role.id);
    assert.deepStrictEqual(
      JSON.parse(String(grant.inputs.policy)).Statement.map((s: { Resource: string }) => s.Resource),
      [`${logGroup.outputs.arn}:*`],
    );
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
