/** The blueprint's components, as the published package exports them. */
export { Certificates, type CertificatesArgs } from "./certificates";
export { Cluster, type ClusterArgs } from "./cluster";
export {
  type ClusterAccess,
  existingCluster,
  type ExistingClusterArgs,
  existingClusterProblems,
  existingNetwork,
  type ExistingNetworkArgs,
  existingNetworkProblems,
  type ExistingSubnet,
} from "./existing";
export { eksKubeconfig } from "./kubeconfig";
export { LoadBalancer, type LoadBalancerArgs, TLS12_PLUS_POLICIES } from "./loadBalancer";
export { LOG_PREFIXES, LogBucket, type LogBucketArgs } from "./logBucket";
export { type ClusterPlacement, deployModproxy, type ModproxyArgs, type NetworkPlacement, placementProblem } from "./modproxy";
export { ModuleStorage, type ModuleStorageArgs } from "./moduleStorage";
export { Network, type NetworkArgs } from "./network";
export type { ProxySettings } from "./proxyEnvironment";
export { ProxyService, type ProxyServiceArgs } from "./proxyService";
