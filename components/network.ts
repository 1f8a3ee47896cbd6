import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetCidr } from "../common/cidr";
import { serviceTrustPolicy } from "./iam";

export interface NetworkArgs {
  /** AWS region, for the VPC endpoint service names. */
  readonly region: string;
  /** The VPC's IPv4 range; public subnets get /20s at its start, private subnets the three /18s after the first. */
  readonly cidrBlock: string;
  /** Availability zones to span (2 or 3). @default the first `azCount` available zones of the region */
  readonly availabilityZones?: readonly string[];
  /** How many zones to span when `availabilityZones` is not given. @default 3 */
  readonly azCount?: number;
  /** One NAT gateway per zone (an AZ outage leaves the others' egress intact) or a single one (cheaper). @default "perAz" */
  readonly natGateways?: "perAz" | "single";
  /** Days to keep VPC flow logs. @default 365 */
  readonly flowLogRetentionDays?: number;
  /** Tags for everything the component creates. @default none (each resource still gets a Name) */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Interface endpoints the nodes need so image pulls, IRSA token exchange and logging stay inside the VPC. */
const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "sts", "logs"] as const;

/**
 * A VPC across 2–3 zones: public subnets that only the load balancer uses, private subnets for
 * nodes (no public IPs), NAT egress, VPC endpoints for S3/ECR/STS/Logs, flow logs, and a
 * default security group with every rule removed.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidrBlock: string;
  /** One per zone, in zone order; only the load balancer goes here. */
  readonly publicSubnetIds: readonly pulumi.Output<string>[];
  /** One per zone, in zone order; the nodes and the interface endpoints. */
  readonly privateSubnetIds: readonly pulumi.Output<string>[];
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
  /** Public IP ranges of S3 in this region, from the gateway endpoint's prefix list. */
  readonly s3Cidrs: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:Network", name, {}, opts);
    const parent = { parent: this };
    const azCount = args.availabilityZones?.length ?? args.azCount ?? 3;
    if (azCount < 2 || azCount > 3) {
      throw new Error(`Network ${name}: needs 2 or 3 availability zones, got ${azCount}`);
    }
    const zones: pulumi.Output<string[]> = args.availabilityZones
      ? pulumi.output([...args.availabilityZones])
      : aws.getAvailabilityZonesOutput({ state: "available" }, parent).names.apply((names) => {
          if (names.length < azCount) {
            throw new Error(`Network ${name}: the region has ${names.length} zones, ${azCount} requested`);
          }
          return names.slice(0, azCount);
        });
    const indexes = [...Array(azCount).keys()];
    const tagged = (extra: Record<string, string>) => ({ ...args.tags, ...extra });

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: tagged({ Name: name }),
      },
      parent,
    );
    this.vpcId = vpc.id;
    this.cidrBlock = args.cidrBlock;

    // No rules at all: anything that forgets to pick a security group gets no traffic.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: tagged({ Name: `${name}-default-locked` }) },
      parent,
    );

    this.publicSubnetCidrs = indexes.map((i) => subnetCidr(args.cidrBlock, 4, i));
    this.privateSubnetCidrs = indexes.map((i) => subnetCidr(args.cidrBlock, 2, i + 1));
    const publicSubnets = indexes.map(
      (i) =>
        new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: this.publicSubnetCidrs[i],
            availabilityZone: zones[i],
            mapPublicIpOnLaunch: false,
            tags: tagged({ Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" }),
          },
          parent,
        ),
    );
    const privateSubnets = indexes.map(
      (i) =>
        new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: this.privateSubnetCidrs[i],
            availabilityZone: zones[i],
            mapPublicIpOnLaunch: false,
            tags: tagged({ Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" }),
          },
          parent,
        ),
    );
    this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);
    this.privateSubnetIds = privateSubnets.map((subnet) => subnet.id);

    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tagged({ Name: name }) }, parent);
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
        tags: tagged({ Name: `${name}-public` }),
      },
      parent,
    );
    publicSubnets.forEach(
      (subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent),
    );

    const natCount = (args.natGateways ?? "perAz") === "perAz" ? azCount : 1;
    const natGateways = indexes.slice(0, natCount).map((i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-eip-${i}`, { domain: "vpc", tags: tagged({ Name: `${name}-nat-${i}` }) }, parent);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          allocationId: eip.id,
          subnetId: publicSubnets[i].id,
          tags: tagged({ Name: `${name}-nat-${i}` }),
        },
        { parent: this, dependsOn: [internetGateway] },
      );
    });
    const privateRouteTables = indexes.map((i) => {
      const table = new aws.ec2.RouteTable(
        `${name}-private-rt-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateways[i % natCount].id }],
          tags: tagged({ Name: `${name}-private-${i}` }),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { subnetId: privateSubnets[i].id, routeTableId: table.id }, parent);
      return table;
    });

    const s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables.map((table) => table.id),
        tags: tagged({ Name: `${name}-s3` }),
      },
      parent,
    );
    this.s3Cidrs = s3Endpoint.cidrBlocks;

    const endpointSg = new aws.ec2.SecurityGroup(
      `${name}-endpoints-sg`,
      {
        vpcId: vpc.id,
        description: "HTTPS from inside the VPC to the AWS service endpoints",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [args.cidrBlock], description: "HTTPS from the VPC" }],
        tags: tagged({ Name: `${name}-endpoints` }),
      },
      parent,
    );
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(".", "-")}`,
        {
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: [...this.privateSubnetIds],
          securityGroupIds: [endpointSg.id],
          tags: tagged({ Name: `${name}-${service}` }),
        },
        parent,
      );
    }

    const flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      {
        retentionInDays: args.flowLogRetentionDays ?? 365,
        tags: tagged({}),
      },
      parent,
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com"),
        tags: tagged({}),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: flowLogRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: pulumi.interpolate`${flowLogGroup.arn}:*`,
            },
          ],
        }),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        tags: tagged({}),
      },
      parent,
    );

    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
