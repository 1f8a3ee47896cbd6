/**
 * The body of the modproxy stack: wires the components together from a validated config.
 * `index.ts` runs it for `pulumi up`; `synth.ts` runs it under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { Certificates } from "../components/certificates";
import { Cluster } from "../components/cluster";
import { LoadBalancer } from "../components/loadBalancer";
import { LOG_PREFIXES, LogBucket } from "../components/logBucket";
import { ModuleStorage } from "../components/moduleStorage";
import { Monitoring } from "../components/monitoring";
import { Network } from "../components/network";
import { ProxyService } from "../components/proxyService";
import { ModproxyConfig } from "./config";

const SERVICE_ACCOUNT = "modproxy";

export function createModproxy(config: ModproxyConfig) {
  const name = `modproxy-${config.environment}`;
  const tags = { "modproxy:environment": config.environment, "managed-by": "pulumi" };
  const isPublic = config.loadBalancerScheme === "internet-facing";

  const network = new Network(name, {
    region: config.region,
    cidrBlock: config.vpcCidr,
    availabilityZones: config.availabilityZones,
    azCount: config.azCount,
    natGateways: config.natGateways,
    tags,
  });

  const cluster = new Cluster(name, {
    clusterName: name,
    region: config.region,
    privateSubnetIds: network.privateSubnetIds,
    kubernetesVersion: config.kubernetesVersion,
    publicAccessCidrs: config.clusterPublicAccessCidrs,
    privateAccessCidrs: config.clusterPrivateAccessCidrs,
    nodeInstanceType: config.nodeInstanceType,
    nodeMinSize: config.nodeMinSize,
    nodeDesiredSize: config.nodeDesiredSize,
    nodeMaxSize: config.nodeMaxSize,
    podIdentityAgent: config.podCredentials === "podIdentity",
    renderYamlToDirectory: config.renderYamlTo,
    tags,
  });

  const logs = new LogBucket(name, { tags });

  const storage = new ModuleStorage(name, {
    prefix: config.s3Prefix,
    noncurrentVersionDays: config.noncurrentVersionDays,
    podCredentials:
      config.podCredentials === "podIdentity"
        ? { kind: "podIdentity", clusterName: cluster.clusterName }
        : { kind: "irsa", oidcProviderArn: cluster.oidcProviderArn, oidcIssuer: cluster.oidcIssuer },
    replicaRegion: config.replicaRegion,
    serviceAccount: { namespace: config.namespace, name: SERVICE_ACCOUNT },
    accessLogs: { bucket: logs.bucketName, prefix: LOG_PREFIXES.s3 },
    tags,
  });

  const certificates = new Certificates(name, {
    domainName: config.domainName,
    source: config.certificateSource,
    hostedZoneId: config.hostedZoneId,
    tags,
  });

  const loadBalancer = new LoadBalancer(name, {
    vpcId: network.vpcId,
    internal: !isPublic,
    subnetIds: isPublic ? network.publicSubnetIds : network.privateSubnetIds,
    clientCidrs: config.clientCidrs,
    certificateArn: certificates.certificateArn,
    nodePort: config.nodePort,
    nodeSecurityGroupId: cluster.clusterSecurityGroupId,
    nodeAutoScalingGroupName: cluster.nodeAutoScalingGroupName,
    domainName: config.domainName,
    hostedZoneId: config.hostedZoneId,
    accessLogs: { bucket: logs.bucketName, prefix: LOG_PREFIXES.loadBalancer },
    deletionProtection: config.environment === "prod",
    tags,
  });

  const proxy = new ProxyService(
    name,
    {
      namespace: config.namespace,
      serviceAccountName: SERVICE_ACCOUNT,
      image: config.image,
      replicas: config.replicas,
      maxReplicas: config.maxReplicas,
      podCredentials: storage.podIdentityAssociation
        ? { kind: "podIdentity", association: storage.podIdentityAssociation }
        : { kind: "irsa", roleArn: storage.roleArn },
      settings: {
        upstream: config.upstream,
        upstreamTimeout: config.upstreamTimeout,
        bucketName: storage.bucketName,
        s3Prefix: config.s3Prefix,
        region: config.region,
        goPrivate: config.goPrivate,
        goNoProxy: config.goNoProxy,
        goNoSumDb: config.goNoSumDb,
        goSumDb: config.goSumDb,
        verify: config.verify,
        fetchDeadline: config.fetchDeadline,
        maxFetches: config.maxFetches,
        listTtl: config.listTtl,
      },
      servingCertificate: certificates.backend,
      vcsCredentials: config.vcsCredentials === undefined ? undefined : pulumi.secret(config.vcsCredentials),
      nodePort: config.nodePort,
      loadBalancerCidrs: isPublic ? network.publicSubnetCidrs : network.privateSubnetCidrs,
      vpcCidr: config.vpcCidr,
      s3Cidrs: network.s3Cidrs,
      egressCidrs: config.egressCidrs,
    },
    { provider: cluster.provider },
  );

  if (config.monitoring.length > 0) {
    new Monitoring(name, { namespace: proxy.namespace, parts: config.monitoring, labels: config.monitoringLabels }, { provider: cluster.provider });
  }

  return {
    url: loadBalancer.url,
    goproxy: `GOPROXY=${loadBalancer.url}`,
    loadBalancerDnsName: loadBalancer.dnsName,
    bucketName: storage.bucketName,
    ...(storage.replicaBucketName ? { replicaBucketName: storage.replicaBucketName } : {}),
    clusterName: cluster.clusterName,
    clientToken: proxy.clientToken,
    ...(certificates.caCertPem ? { caCertificatePem: certificates.caCertPem } : {}),
    backendCaCertificatePem: certificates.backendCaCertPem,
  };
}
