import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isInternetWide } from "../common/cidr";

/** ELB policies that allow only TLS 1.2 and 1.3 with forward-secret ciphers. */
export const TLS12_PLUS_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
] as const;

export interface LoadBalancerArgs {
  /** The VPC of the target group and the security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Subnets for the load balancer: public ones when internet-facing, private ones when internal. */
  readonly subnetIds: readonly pulumi.Input<string>[];
  /** Keep the load balancer off the internet. @default true */
  readonly internal?: boolean;
  /** The only ranges allowed to connect. */
  readonly clientCidrs: readonly string[];
  /** ACM certificate of the HTTPS listener, ready to use (validated or imported). */
  readonly certificateArn: pulumi.Input<string>;
  /** TLS policy of the HTTPS listener; only TLS 1.2+ policies are accepted. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
  readonly sslPolicy?: (typeof TLS12_PLUS_POLICIES)[number];
  /** Strict-Transport-Security header the HTTPS listener adds to every response. @default "max-age=31536000; includeSubDomains" (a year) */
  readonly strictTransportSecurity?: string;
  /** The Service's NodePort on the nodes. */
  readonly nodePort: number;
  /** The nodes' security group, opened to the load balancer on `nodePort` only. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** The nodes' Auto Scaling group, registered as targets. */
  readonly nodeAutoScalingGroupName: pulumi.Input<string>;
  /** Readiness path the target group checks. @default "/readyz" */
  readonly healthCheckPath?: string;
  /** Host name clients use; with `hostedZoneId`, an alias record is created. */
  readonly domainName: string;
  /** Route53 zone (public, or private for internal clients) that gets an alias record from `domainName` to the load balancer. @default unset (no record) */
  readonly hostedZoneId?: string;
  /** Bucket and key prefix the load balancer writes its access logs to (a LogBucket). */
  readonly accessLogs: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
  /** Refuse to delete the load balancer (prod). @default false */
  readonly deletionProtection?: boolean;
  /** Tags for every AWS resource the component creates. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An Application Load Balancer in front of the proxy's NodePort: HTTPS with a TLS 1.2+ policy,
 * HSTS, HTTP answered only with a redirect to HTTPS, internal unless told otherwise, reachable only
 * from the configured client ranges, writing access logs to S3, and reaching the pods over HTTPS.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly dnsName: pulumi.Output<string>;
  readonly url: string;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:LoadBalancer", name, {}, opts);
    const parent = { parent: this };
    const internal = args.internal ?? true;
    const sslPolicy = args.sslPolicy ?? "ELBSecurityPolicy-TLS13-1-2-2021-06";
    if (!(TLS12_PLUS_POLICIES as readonly string[]).includes(sslPolicy)) {
      throw new Error(`LoadBalancer ${name}: sslPolicy must be one of ${TLS12_PLUS_POLICIES.join(", ")}`);
    }
    if (args.clientCidrs.length === 0) {
      throw new Error(`LoadBalancer ${name}: clientCidrs must not be empty`);
    }
    const internetWide = args.clientCidrs.filter(isInternetWide);
    if (internal && internetWide.length > 0) {
      throw new Error(`LoadBalancer ${name}: an internal load balancer must not admit 0.0.0.0/0 or any range as wide (e.g. 0.0.0.0/1)`);
    }

    const clientIngress = (port: number, cidrBlocks: string[], purpose: string) => ({
      protocol: "tcp",
      fromPort: port,
      toPort: port,
      cidrBlocks,
      description: purpose,
    });
    // Only HTTPS is ever open to the whole internet; the HTTP redirect serves the bounded client ranges.
    const redirectCidrs = args.clientCidrs.filter((cidr) => !internetWide.includes(cidr));
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "modproxy load balancer: HTTPS from clients, NodePort to the nodes",
        ingress: [
          clientIngress(443, [...args.clientCidrs], "HTTPS from clients"),
          ...(redirectCidrs.length > 0 ? [clientIngress(80, redirectCidrs, "HTTP from clients, redirected to HTTPS")] : []),
        ],
        egress: [
          {
            protocol: "tcp",
            fromPort: args.nodePort,
            toPort: args.nodePort,
            securityGroups: [args.nodeSecurityGroupId],
            description: "to the proxy's NodePort",
          },
        ],
        tags: args.tags,
      },
      parent,
    );
    this.securityGroupId = securityGroup.id;
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-to-nodes`,
      {
        securityGroupId: args.nodeSecurityGroupId,
        referencedSecurityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: args.nodePort,
        toPort: args.nodePort,
        description: "modproxy load balancer to the proxy's NodePort",
      },
      parent,
    );

    const loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal,
        subnets: [...args.subnetIds],
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        accessLogs: { bucket: args.accessLogs.bucket, prefix: args.accessLogs.prefix, enabled: true },
        // Large module zips on slow links outlive the 60 s default.
        idleTimeout: 300,
        enableDeletionProtection: args.deletionProtection ?? false,
        tags: args.tags,
      },
      parent,
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        targetType: "instance",
        // The pods serve TLS, so requests are not carried on in plain text inside the VPC.
        protocol: "HTTPS",
        port: args.nodePort,
        deregistrationDelay: 30,
        healthCheck: {
          protocol: "HTTPS",
          path: args.healthCheckPath ?? "/readyz",
          port: "traffic-port",
          matcher: "200",
          interval: 15,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags: args.tags,
      },
      parent,
    );
    new aws.autoscaling.Attachment(`${name}-nodes`, { autoscalingGroupName: args.nodeAutoScalingGroupName, lbTargetGroupArn: targetGroup.arn }, parent);

    new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy,
        certificateArn: args.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        // Clients that once reached the proxy never again try plain HTTP, so the redirect cannot be used to strip TLS.
        routingHttpResponseStrictTransportSecurityHeaderValue: args.strictTransportSecurity ?? "max-age=31536000; includeSubDomains",
        tags: args.tags,
      },
      parent,
    );
    new aws.lb.Listener(
      `${name}-http-redirect`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        tags: args.tags,
      },
      parent,
    );

    if (args.hostedZoneId) {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domainName,
          type: "A",
          aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
        },
        parent,
      );
    }

    this.dnsName = loadBalancer.dnsName;
    this.url = `https://${args.domainName}`;
    this.registerOutputs({ dnsName: this.dnsName, url: this.url });
  }
}
