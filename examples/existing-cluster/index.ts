/**
 * modproxy in a VPC and an EKS cluster the platform team already runs: nothing here creates a
 * VPC, a subnet or a cluster. The proxy gets its own bucket, certificate, internal load balancer
 * in the given private subnets, and namespace in the given cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { deployModproxy, existingCluster, existingNetwork, ExistingSubnet } from "@modproxy/blueprint";

const config = new pulumi.Config();
const region = new pulumi.Config("aws").require("region");
const environment = pulumi.getStack();
const tags = { "modproxy:environment": environment, "managed-by": "pulumi", owner: "platform" };

const network = existingNetwork({
  region,
  vpcId: config.require("vpcId"),
  cidrBlock: config.require("vpcCidr"),
  privateSubnets: config.requireObject<ExistingSubnet[]>("privateSubnets"),
});

const cluster = existingCluster("platform", {
  clusterName: config.require("clusterName"),
  region,
  endpoint: config.require("clusterEndpoint"),
  certificateAuthorityData: config.require("clusterCertificateAuthority"),
  oidcProviderArn: config.require("oidcProviderArn"),
  oidcIssuerUrl: config.require("oidcIssuerUrl"),
  clusterSecurityGroupId: config.require("clusterSecurityGroupId"),
  nodeAutoScalingGroupName: config.require("nodeAutoScalingGroupName"),
});

const proxy = deployModproxy(`modproxy-${environment}`, {
  network,
  cluster,
  region,
  image: config.require("image"),
  replicas: 2,
  maxReplicas: 6,
  namespace: "modproxy",
  upstream: config.require("upstream"),
  upstreamTimeout: "30s",
  goPrivate: config.get("goPrivate") ?? "",
  s3Prefix: "modules/",
  noncurrentVersionDays: 30,
  loadBalancerScheme: "internal",
  clientCidrs: config.require("clientCidrs").split(","),
  nodePort: 30080,
  domainName: config.require("domainName"),
  certificateSource: "acm",
  hostedZoneId: config.require("hostedZoneId"),
  egressCidrs: ["0.0.0.0/0"],
  deletionProtection: true,
  // The Grafana dashboard, as a ConfigMap the kube-prometheus-stack sidecar imports.
  monitoring: ["dashboard"],
  tags,
});

export const url = proxy.url;
export const goproxy = proxy.goproxy;
export const bucketName = proxy.bucketName;
export const clientToken = proxy.clientToken;
