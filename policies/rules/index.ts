import { s3BucketPublicAccessBlock } from "./s3/s3-bucket-public-access-block";
import { s3BucketPolicyRequiresTls } from "./s3/s3-bucket-policy-requires-tls";
import { s3BucketKmsEncryption } from "./s3/s3-bucket-kms-encryption";
import { s3BucketVersioning } from "./s3/s3-bucket-versioning";
import { s3BucketPolicyNoPublicPrincipal } from "./s3/s3-bucket-policy-no-public-principal";
import { s3BucketNoPublicAcl } from "./s3/s3-bucket-no-public-acl";
import { s3BucketAclsDisabled } from "./s3/s3-bucket-acls-disabled";
import { s3BucketAccessLogging } from "./s3/s3-bucket-access-logging";
import { s3ReplicationKmsObjects } from "./s3/s3-replication-kms-objects";
import { securityGroupNoPublicIngress } from "./vpc/security-group-no-public-ingress";
import { securityGroupNoRemoteAdminFromAnywhere } from "./vpc/security-group-no-ssh-rdp-from-anywhere";
import { securityGroupNoPublicEgress } from "./vpc/security-group-no-public-egress";
import { defaultSecurityGroupNoRules } from "./vpc/default-security-group-no-rules";
import { vpcFlowLogs } from "./vpc/vpc-flow-logs";
import { nodeSubnetsNoPublicIp } from "./vpc/node-subnets-no-public-ip";
import { computeNoPublicIp } from "./ec2/compute-no-public-ip";
import { ec2VolumesEncrypted } from "./ec2/ec2-volumes-encrypted";
import { ec2Imdsv2Required } from "./ec2/ec2-imdsv2-required";
import { ec2ImdsHopLimit } from "./ec2/ec2-imds-hop-limit";
import { eksEndpointNotPublic } from "./eks/eks-endpoint-not-public";
import { eksSecretsEncryption } from "./eks/eks-secrets-encryption";
import { eksControlPlaneLogging } from "./eks/eks-control-plane-logging";
import { eksNodeGroupNoOpenSsh } from "./eks/eks-node-group-no-open-ssh";
import { kmsKeyRotation } from "./kms/kms-key-rotation";
import { kmsKeyPolicyNoPublicPrincipal } from "./kms/kms-key-policy-no-public-principal";
import { cloudwatchLogRetention } from "./cloudwatch/cloudwatch-log-retention";
import { loadBalancerInternal } from "./lb/load-balancer-internal";
import { loadBalancerListenerTls } from "./lb/lb-listener-tls";
import { loadBalancerAccessLogs } from "./lb/lb-access-logs";
import { loadBalancerDropInvalidHeaders } from "./lb/lb-drop-invalid-headers";
import { loadBalancerDesyncMitigation } from "./lb/lb-desync-mitigation";
import { loadBalancerTargetGroupTls } from "./lb/lb-target-group-tls";
import { loadBalancerHttpsListenerHsts } from "./lb/lb-https-listener-hsts";
import { acmCertificateDnsValidation } from "./acm/acm-certificate-dns-validation";
import { tlsPrivateKeyStrength } from "./tls/tls-private-key-strength";
import { kubernetesNamespaceDefaultDeny } from "./kubernetes/k8s-namespace-default-deny";
import { kubernetesNetworkPolicyIngressSources } from "./kubernetes/k8s-network-policy-ingress-sources";
import { kubernetesNetworkPolicyEgressDestinations } from "./kubernetes/k8s-network-policy-egress-destinations";
import { kubernetesServiceNoExternalIps } from "./kubernetes/k8s-service-no-external-ips";
import { kubernetesNoHostNetwork } from "./kubernetes/k8s-no-host-network";
import { kubernetesLoadBalancerServiceInternalOrTls } from "./kubernetes/k8s-loadbalancer-service-internal-or-tls";
import { kubernetesContainerHardening } from "./kubernetes/k8s-container-hardening";
import { kubernetesNoPrivilegedContainers } from "./kubernetes/k8s-no-privileged-containers";
import { kubernetesNoHostNamespaces } from "./kubernetes/k8s-no-host-namespaces";
import { kubernetesNoHostPathVolumes } from "./kubernetes/k8s-no-host-path-volumes";
import { kubernetesCapabilitiesRestricted } from "./kubernetes/k8s-capabilities-restricted";
import { kubernetesSeccompRuntimeDefault } from "./kubernetes/k8s-seccomp-runtime-default";
import { kubernetesServiceAccountTokenNotAutomounted } from "./kubernetes/k8s-service-account-token-not-automounted";
import { kubernetesNoDefaultServiceAccount } from "./kubernetes/k8s-no-default-service-account";
import { kubernetesResourceLimits } from "./kubernetes/k8s-resource-limits";
import { kubernetesImageTagPinned } from "./kubernetes/k8s-image-tag-pinned";
import { kubernetesImageDigest } from "./kubernetes/k8s-image-digest";
import { kubernetesNamespacePodSecurityEnforced } from "./kubernetes/k8s-namespace-pod-security-enforced";
import { goUpstreamsUseHttps } from "./settings/go-upstreams-use-https";
import { goChecksumVerificationOn } from "./settings/go-checksum-verification-on";
import { noPlaintextCredentials } from "./settings/no-plaintext-credentials";
import { noCredentialsByValue } from "./settings/no-credentials-by-value";
import { noHardcodedIpEndpoints } from "./settings/no-hardcoded-ip-endpoints";
import { Policies } from "@pulumi/policy";

// One rule per file, under the resource area it judges: s3, vpc (security groups, subnets, flow logs), ec2,
// eks, kms, cloudwatch, lb, acm, tls, kubernetes, and settings (the proxy's env and ConfigMaps).

/** Every rule in the pack, without constructing a PolicyPack (which starts the analyzer's gRPC server). */
export const allPolicies: Policies = [
  s3BucketPublicAccessBlock,
  s3BucketPolicyRequiresTls,
  s3BucketKmsEncryption,
  s3BucketVersioning,
  s3BucketPolicyNoPublicPrincipal,
  s3BucketNoPublicAcl,
  s3BucketAclsDisabled,
  s3BucketAccessLogging,
  s3ReplicationKmsObjects,
  securityGroupNoPublicIngress,
  securityGroupNoRemoteAdminFromAnywhere,
  securityGroupNoPublicEgress,
  defaultSecurityGroupNoRules,
  vpcFlowLogs,
  nodeSubnetsNoPublicIp,
  computeNoPublicIp,
  ec2VolumesEncrypted,
  ec2Imdsv2Required,
  ec2ImdsHopLimit,
  eksEndpointNotPublic,
  eksSecretsEncryption,
  eksControlPlaneLogging,
  eksNodeGroupNoOpenSsh,
  kmsKeyRotation,
  kmsKeyPolicyNoPublicPrincipal,
  cloudwatchLogRetention,
  loadBalancerInternal,
  loadBalancerListenerTls,
  loadBalancerAccessLogs,
  loadBalancerDropInvalidHeaders,
  loadBalancerDesyncMitigation,
  loadBalancerTargetGroupTls,
  loadBalancerHttpsListenerHsts,
  acmCertificateDnsValidation,
  tlsPrivateKeyStrength,
  kubernetesNamespaceDefaultDeny,
  kubernetesNetworkPolicyIngressSources,
  kubernetesNetworkPolicyEgressDestinations,
  kubernetesServiceNoExternalIps,
  kubernetesNoHostNetwork,
  kubernetesLoadBalancerServiceInternalOrTls,
  kubernetesContainerHardening,
  kubernetesNoPrivilegedContainers,
  kubernetesNoHostNamespaces,
  kubernetesNoHostPathVolumes,
  kubernetesCapabilitiesRestricted,
  kubernetesSeccompRuntimeDefault,
  kubernetesServiceAccountTokenNotAutomounted,
  kubernetesNoDefaultServiceAccount,
  kubernetesResourceLimits,
  kubernetesImageTagPinned,
  kubernetesImageDigest,
  kubernetesNamespacePodSecurityEnforced,
  goUpstreamsUseHttps,
  goChecksumVerificationOn,
  noPlaintextCredentials,
  noCredentialsByValue,
  noHardcodedIpEndpoints,
];
