/**
 * The proxy and what serves it, placed in a network and a cluster: made by this blueprint
 * (Network, Cluster) or already there (existingNetwork, existingCluster).
 */
import * as pulumi from "@pulumi/pulumi";
import { Certificates } from "./certificates";
import type { Cluster } from "./cluster";
import { LoadBalancer } from "./loadBalancer";
import { LOG_PREFIXES, LogBucket } from "./logBucket";
import { ModuleStorage } from "./moduleStorage";
import { Monitoring, MonitoringPart, scrapeProblem } from "./monitoring";
import type { Network } from "./network";
import { pickProxySettings, ProxySettings } from "./proxyEnvironment";
import { ProxyService } from "./proxyService";

/** Where the load balancer and the pods go: what Network makes, or existingNetwork names. */
export type NetworkPlacement = Pick<
  Network,
  "vpcId" | "cidrBlock" | "publicSubnetIds" | "privateSubnetIds" | "publicSubnetCidrs" | "privateSubnetCidrs" | "s3Cidrs"
>;

/** The EKS cluster the proxy runs in: what Cluster makes, or existingCluster names. */
export type ClusterPlacement = Pick<
  Cluster,
  "clusterName" | "oidcProviderArn" | "oidcIssuer" | "clusterSecurityGroupId" | "nodeAutoScalingGroupName" | "provider"
>;

export interface ModproxyArgs extends Omit<ProxySettings, "bucketName"> {
  readonly network: NetworkPlacement;
  readonly cluster: ClusterPlacement;
  /** The proxy's container image. */
  readonly image: string;
  /** The autoscaler's floor. */
  readonly replicas: number;
  /** The autoscaler's ceiling. */
  readonly maxReplicas: number;
  /** Kubernetes namespace the proxy gets to itself. */
  readonly namespace: string;
  /** How the pods get the cache bucket's role: EKS Pod Identity (the cluster needs the eks-pod-identity-agent add-on) or IRSA (through the cluster's OIDC provider). @default "podIdentity" */
  readonly podCredentials?: "podIdentity" | "irsa";
  /** A second region that keeps a replica of the cache bucket, for disaster recovery. @default none */
  readonly replicaRegion?: string;
  /** What of monitoring/ to ship into the namespace: the Grafana dashboard, the PrometheusRule, a PodMonitor scraping the pods. @default none */
  readonly monitoring?: readonly MonitoringPart[];
  /** Namespaces whose pods the NetworkPolicy admits to the proxy's port: the in-cluster Prometheus's, for `scrape`. @default none */
  readonly metricsScraperNamespaces?: readonly string[];
  /** Labels for the dashboard and the rules, to match Grafana's and Prometheus's selectors. @default none */
  readonly monitoringLabels?: Readonly<Record<string, string>>;
  /** Days an overwritten object version of the cache is kept. */
  readonly noncurrentVersionDays: number;
  /** internal: in the private subnets; internet-facing: in the public ones, still limited to `clientCidrs`. */
  readonly loadBalancerScheme: "internal" | "internet-facing";
  /** Who may reach the load balancer. */
  readonly clientCidrs: readonly string[];
  /** The NodePort the load balancer targets. */
  readonly nodePort: number;
  /** The proxy's host name. */
  readonly domainName: string;
  /** acm (DNS-validated in `hostedZoneId`) or private-ca (made here and imported). */
  readonly certificateSource: "acm" | "private-ca";
  /** Route53 zone of `domainName`: validates an acm certificate, and gets an alias record to the load balancer. */
  readonly hostedZoneId?: string;
  /** Where the proxy may open HTTPS connections to upstreams and VCS hosts. */
  readonly egressCidrs: readonly string[];
  /** A .netrc for private VCS hosts; kept a Pulumi secret. */
  readonly vcsCredentials?: string;
  /** Refuse to delete the load balancer. */
  readonly deletionProtection: boolean;
  /** Tags for every AWS resource. */
  readonly tags: Readonly<Record<string, string>>;
}

const SERVICE_ACCOUNT = "modproxy";

/** What an internet-facing load balancer lacks in `network`, if anything; pure, so a plan can be checked before it runs. */
export function placementProblem(network: NetworkPlacement, loadBalancerScheme: ModproxyArgs["loadBalancerScheme"]): string | undefined {
  if (loadBalancerScheme === "internet-facing" && network.publicSubnetIds.length < 2) {
    return `an internet-facing load balancer needs public subnets in at least two zones (got ${network.publicSubnetIds.length})`;
  }
  return undefined;
}

/**
 * The module cache bucket, its logs, the certificates, the load balancer and the proxy's
 * Kubernetes objects, each component named `name` as the stack names them, so a stack moved from
 * one placement to the other keeps the resources that do not depend on it.
 */
export function deployModproxy(name: string, args: ModproxyArgs) {
  const problem = placementProblem(args.network, args.loadBalancerScheme) ?? scrapeProblem(args.monitoring ?? [], args.metricsScraperNamespaces ?? []);
  if (problem !== undefined) {
    throw new pulumi.ResourceError(`modproxy ${name}: ${problem}`, undefined);
  }
  const { network, cluster, tags } = args;
  const isPublic = args.loadBalancerScheme === "internet-facing";

  const logs = new LogBucket(name, { tags });

  const storage = new ModuleStorage(name, {
    prefix: args.s3Prefix,
    noncurrentVersionDays: args.noncurrentVersionDays,
    podCredentials:
      (args.podCredentials ?? "podIdentity") === "podIdentity"
        ? { kind: "podIdentity", clusterName: cluster.clusterName }
        : { kind: "irsa", oidcProviderArn: cluster.oidcProviderArn, oidcIssuer: cluster.oidcIssuer },
    replicaRegion: args.replicaRegion,
    serviceAccount: { namespace: args.namespace, name: SERVICE_ACCOUNT },
    accessLogs: { bucket: logs.bucketName, prefix: LOG_PREFIXES.s3 },
    tags,
  });

  const certificates = new Certificates(name, {
    domainName: args.domainName,
    source: args.certificateSource,
    hostedZoneId: args.hostedZoneId,
    tags,
  });

  const loadBalancer = new LoadBalancer(name, {
    vpcId: network.vpcId,
    internal: !isPublic,
    subnetIds: isPublic ? network.publicSubnetIds : network.privateSubnetIds,
    clientCidrs: args.clientCidrs,
    certificateArn: certificates.certificateArn,
    nodePort: args.nodePort,
    nodeSecurityGroupId: cluster.clusterSecurityGroupId,
    nodeAutoScalingGroupName: cluster.nodeAutoScalingGroupName,
    domainName: args.domainName,
    hostedZoneId: args.hostedZoneId,
    accessLogs: { bucket: logs.bucketName, prefix: LOG_PREFIXES.loadBalancer },
    deletionProtection: args.deletionProtection,
    tags,
  });

  const scrape = args.monitoring?.includes("scrape") ?? false;
  const proxy = new ProxyService(
    name,
    {
      namespace: args.namespace,
      serviceAccountName: SERVICE_ACCOUNT,
      image: args.image,
      replicas: args.replicas,
      maxReplicas: args.maxReplicas,
      podCredentials: storage.podIdentityAssociation
        ? { kind: "podIdentity", association: storage.podIdentityAssociation }
        : { kind: "irsa", roleArn: storage.roleArn },
      settings: pickProxySettings(args, storage.bucketName),
      // The CA goes into the TLS Secret only for the PodMonitor, so stacks that do not scrape keep their Secret as it was.
      servingCertificate: scrape ? { ...certificates.backend, caCertificatePem: certificates.backendCaCertPem } : certificates.backend,
      vcsCredentials: args.vcsCredentials === undefined ? undefined : pulumi.secret(args.vcsCredentials),
      nodePort: args.nodePort,
      loadBalancerCidrs: isPublic ? network.publicSubnetCidrs : network.privateSubnetCidrs,
      vpcCidr: network.cidrBlock,
      s3Cidrs: network.s3Cidrs,
      egressCidrs: args.egressCidrs,
      metricsScraperNamespaces: args.metricsScraperNamespaces,
    },
    { provider: cluster.provider },
  );

  if (args.monitoring && args.monitoring.length > 0) {
    const tls = proxy.servingCa && { caSecret: { name: proxy.servingCa.secretName, key: proxy.servingCa.key }, serverName: args.domainName };
    new Monitoring(
      name,
      { namespace: proxy.namespace, parts: args.monitoring, labels: args.monitoringLabels, pods: { labels: proxy.podLabels, tls } },
      { provider: cluster.provider },
    );
  }

  return {
    url: loadBalancer.url,
    goproxy: `GOPROXY=${loadBalancer.url}`,
    loadBalancerDnsName: loadBalancer.dnsName,
    bucketName: storage.bucketName,
    ...(storage.replicaBucketName ? { replicaBucketName: storage.replicaBucketName } : {}),
    clientToken: proxy.clientToken,
    ...(certificates.caCertPem ? { caCertificatePem: certificates.caCertPem } : {}),
    backendCaCertificatePem: certificates.backendCaCertPem,
  };
}
