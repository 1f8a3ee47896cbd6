/**
 * The body of the modproxy stack: wires the components together from a validated config.
 * `index.ts` runs it for `pulumi up`; `synth.ts` runs it under mocks.
 */
import { Cluster } from "../components/cluster";
import { deployModproxy } from "../components/modproxy";
import { Network } from "../components/network";
import { ModproxyConfig } from "./config";

export function createModproxy(config: ModproxyConfig) {
  const name = `modproxy-${config.environment}`;
  const tags = { "modproxy:environment": config.environment, "managed-by": "pulumi" };

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

  const proxy = deployModproxy(name, { ...config, network, cluster, deletionProtection: config.environment === "prod", tags });
  return { ...proxy, clusterName: cluster.clusterName };
}
