/**
 * A VPC and an EKS cluster that already exist (a platform team's), named instead of created, so
 * deployModproxy can put the proxy into them. The checks are pure functions over the plain values
 * given; values only known at deploy time (another stack's outputs) pass unchecked.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containsCidr, parseCidr } from "../common/cidr";
import { eksKubeconfig } from "./kubeconfig";
import { ClusterPlacement, NetworkPlacement } from "./modproxy";

export interface ExistingSubnet {
  /** subnet-... */
  readonly id: pulumi.Input<string>;
  /** The subnet's IPv4 range: the proxy's NetworkPolicy admits the load balancer from it. */
  readonly cidrBlock: string;
}

export interface ExistingNetworkArgs {
  /** Region of the VPC, for the S3 prefix list. */
  readonly region: string;
  /** vpc-... */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's (primary) IPv4 range; every subnet given must lie in it. */
  readonly cidrBlock: string;
  /** Private subnets in at least two zones: an internal load balancer goes here. */
  readonly privateSubnets: readonly ExistingSubnet[];
  /** Public subnets in at least two zones, for an internet-facing load balancer. @default none */
  readonly publicSubnets?: readonly ExistingSubnet[];
  /** S3's ranges in the region. @default looked up: the ranges of the region's S3 prefix list */
  readonly s3Cidrs?: pulumi.Input<string[]>;
}

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

/** Everything wrong with an existing network's description, as sentences; empty when it can be used. */
export function existingNetworkProblems(args: ExistingNetworkArgs): string[] {
  const problems: string[] = [];
  if (typeof args.vpcId === "string" && !VPC_ID.test(args.vpcId)) {
    problems.push(`vpcId must be a VPC id such as vpc-0a1b2c3d4e5f67890 (got "${args.vpcId}")`);
  }
  let vpcValid = true;
  try {
    parseCidr(args.cidrBlock);
  } catch (err) {
    vpcValid = false;
    problems.push(`cidrBlock: ${(err as Error).message}`);
  }
  const tiers = { privateSubnets: args.privateSubnets, publicSubnets: args.publicSubnets ?? [] };
  const ranges: string[] = [];
  for (const [tier, subnets] of Object.entries(tiers)) {
    if (subnets.length < 2 && (tier === "privateSubnets" || subnets.length > 0)) {
      problems.push(`${tier} must name subnets in at least two zones, as a load balancer needs (got ${subnets.length})`);
    }
    for (const subnet of subnets) {
      if (typeof subnet.id === "string" && !SUBNET_ID.test(subnet.id)) {
        problems.push(`${tier}: "${subnet.id}" is not a subnet id such as subnet-0a1b2c3d4e5f67890`);
      }
      try {
        parseCidr(subnet.cidrBlock);
      } catch (err) {
        problems.push(`${tier}: ${(err as Error).message}`);
        continue;
      }
      ranges.push(subnet.cidrBlock);
      if (vpcValid && !containsCidr(args.cidrBlock, subnet.cidrBlock)) {
        problems.push(`${tier}: ${subnet.cidrBlock} is not inside the VPC's ${args.cidrBlock}`);
      }
    }
  }
  const all = [...tiers.privateSubnets, ...tiers.publicSubnets];
  const ids = all.map((subnet) => subnet.id).filter((id): id is string => typeof id === "string");
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) {
    problems.push(`subnet ${id} is named more than once`);
  }
  ranges.forEach((a, i) =>
    ranges.slice(i + 1).forEach((b) => {
      if (containsCidr(a, b) || containsCidr(b, a)) {
        problems.push(`subnet ranges ${a} and ${b} overlap: subnets of one VPC never do`);
      }
    }),
  );
  return problems;
}

/**
 * A VPC and its subnets that exist already, checked, for deployModproxy. Creates nothing; looks up
 * S3's ranges in the region unless they are given.
 */
export function existingNetwork(args: ExistingNetworkArgs, opts?: pulumi.InvokeOutputOptions): NetworkPlacement {
  const problems = existingNetworkProblems(args);
  if (problems.length > 0) {
    throw new pulumi.ResourceError(`existingNetwork:\n  - ${problems.join("\n  - ")}`, opts?.parent);
  }
  const publicSubnets = args.publicSubnets ?? [];
  return {
    vpcId: pulumi.output(args.vpcId),
    cidrBlock: args.cidrBlock,
    privateSubnetIds: args.privateSubnets.map((subnet) => pulumi.output(subnet.id)),
    publicSubnetIds: publicSubnets.map((subnet) => pulumi.output(subnet.id)),
    privateSubnetCidrs: args.privateSubnets.map((subnet) => subnet.cidrBlock),
    publicSubnetCidrs: publicSubnets.map((subnet) => subnet.cidrBlock),
    s3Cidrs:
      args.s3Cidrs !== undefined ? pulumi.output(args.s3Cidrs) : aws.ec2.getPrefixListOutput({ name: `com.amazonaws.${args.region}.s3` }, opts).cidrBlocks,
  };
}

/** How to reach the cluster's API: its endpoint and CA (an `aws eks get-token` kubeconfig is made), a kubeconfig, or a provider. */
export type ClusterAccess =
  | { readonly endpoint: pulumi.Input<string>; readonly certificateAuthorityData: pulumi.Input<string> }
  | { readonly kubeconfig: pulumi.Input<string> }
  | { readonly provider: k8s.Provider };

export type ExistingClusterArgs = ClusterAccess & {
  readonly clusterName: pulumi.Input<string>;
  /** The cluster's region, which the made kubeconfig passes to `aws eks get-token`. */
  readonly region: string;
  /** The cluster's IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/oidc.eks...). */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL, as `aws eks describe-cluster` reports it (https://oidc.eks...). */
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** A security group the nodes carry (EKS's cluster security group, for managed node groups). */
  readonly clusterSecurityGroupId: pulumi.Input<string>;
  /** The Auto Scaling group of the node group the proxy's pods run on. */
  readonly nodeAutoScalingGroupName: pulumi.Input<string>;
  /** Write Kubernetes manifests to this directory instead of applying them; not with `provider`. @default unset */
  readonly renderYamlToDirectory?: string;
};

const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/;
const ACCESS_KEYS = ["endpoint", "certificateAuthorityData", "kubeconfig", "provider"] as const;

/** Everything wrong with an existing cluster's description, as sentences; empty when it can be used. */
export function existingClusterProblems(args: ExistingClusterArgs): string[] {
  const problems: string[] = [];
  const given = ACCESS_KEYS.filter((key) => (args as Partial<Record<(typeof ACCESS_KEYS)[number], unknown>>)[key] !== undefined);
  const ways = ["endpoint", "kubeconfig", "provider"].filter((way) => given.includes(way as (typeof ACCESS_KEYS)[number]));
  if (given.includes("endpoint") !== given.includes("certificateAuthorityData")) {
    problems.push("endpoint and certificateAuthorityData go together: give both, or a kubeconfig, or a provider");
  } else if (ways.length !== 1) {
    problems.push(
      `give exactly one way to reach the API: endpoint with certificateAuthorityData, kubeconfig, or provider (got ${ways.length === 0 ? "none" : ways.join(" and ")})`,
    );
  }
  if ("provider" in args && args.provider !== undefined && args.renderYamlToDirectory !== undefined) {
    problems.push("renderYamlToDirectory cannot change a provider given to it: set renderYamlToDirectory on that provider");
  }
  if ("endpoint" in args && typeof args.endpoint === "string" && !args.endpoint.startsWith("https://")) {
    problems.push(`endpoint must be the API server's https:// URL (got "${args.endpoint}")`);
  }
  const { oidcProviderArn, oidcIssuerUrl } = args;
  if (typeof oidcIssuerUrl === "string" && !oidcIssuerUrl.startsWith("https://")) {
    problems.push(`oidcIssuerUrl must be the cluster's https:// issuer URL (got "${oidcIssuerUrl}")`);
  }
  if (typeof oidcProviderArn === "string") {
    const match = OIDC_PROVIDER_ARN.exec(oidcProviderArn);
    if (match === null) {
      problems.push(`oidcProviderArn must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks... (got "${oidcProviderArn}")`);
    } else if (typeof oidcIssuerUrl === "string" && oidcIssuerUrl.startsWith("https://") && match[1] !== oidcIssuerUrl.slice("https://".length)) {
      // A role trusting another provider than the issuer's would never be assumable by the pods.
      problems.push(`oidcProviderArn names ${match[1]}, but the cluster's issuer is ${oidcIssuerUrl}: they must be the same`);
    }
  }
  return problems;
}

/**
 * An EKS cluster that exists already, with its IAM OIDC provider, checked, for deployModproxy.
 * Creates nothing in AWS: only the Kubernetes provider `<name>-k8s` the proxy's objects are
 * applied with, unless one is given.
 */
export function existingCluster(name: string, args: ExistingClusterArgs, opts?: pulumi.CustomResourceOptions): ClusterPlacement {
  const problems = existingClusterProblems(args);
  if (problems.length > 0) {
    throw new pulumi.ResourceError(`existingCluster ${name}:\n  - ${problems.join("\n  - ")}`, opts?.parent);
  }
  const placement = {
    clusterName: pulumi.output(args.clusterName),
    oidcProviderArn: pulumi.output(args.oidcProviderArn),
    oidcIssuer: pulumi.output(args.oidcIssuerUrl),
    clusterSecurityGroupId: pulumi.output(args.clusterSecurityGroupId),
    nodeAutoScalingGroupName: pulumi.output(args.nodeAutoScalingGroupName),
  };
  if ("provider" in args) {
    return { ...placement, provider: args.provider };
  }
  const kubeconfig = "kubeconfig" in args ? args.kubeconfig : eksKubeconfig(args.clusterName, args.region, args.endpoint, args.certificateAuthorityData);
  const provider = new k8s.Provider(
    `${name}-k8s`,
    { kubeconfig: pulumi.secret(kubeconfig), ...(args.renderYamlToDirectory ? { renderYamlToDirectory: args.renderYamlToDirectory } : {}) },
    opts,
  );
  return { ...placement, provider };
}
