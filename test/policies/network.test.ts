import * as assert from "node:assert/strict";
import {
  computeNoPublicIp,
  eksEndpointNotPublic,
  eksSecretsEncryption,
  kubernetesLoadBalancerServiceInternalOrTls,
  kubernetesNamespaceDefaultDeny,
  kubernetesNoHostNetwork,
  loadBalancerInternal,
  nodeSubnetsNoPublicIp,
  s3BucketPolicyRequiresTls,
  s3BucketPublicAccessBlock,
  securityGroupNoPublicIngress,
  securityGroupNoRemoteAdminFromAnywhere,
} from "../../policies/rules/network";
import { deployment, messages, resource, urnOf, violations } from "./helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const tlsOnlyPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
  ],
});

describe("network isolation rules", () => {
  describe("s3-bucket-public-access-block", () => {
    it("passes a bucket whose block sets all four settings", async () => {
      const block = resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cache", { bucket: "modproxy-cache", ...allBlocked });
      assert.deepEqual(await messages(s3BucketPublicAccessBlock, [bucket, block]), []);
    });
    it("joins through property dependencies when the bucket name is only known after deployment", async () => {
      const unnamed = resource("aws:s3/bucket:Bucket", "cache", {});
      const block = resource(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "cache",
        { bucket: "cache-id", ...allBlocked },
        {
          propertyDependencies: { bucket: [unnamed.urn] },
        },
      );
      assert.deepEqual(await messages(s3BucketPublicAccessBlock, [unnamed, block]), []);
    });
    it("reports a bucket without a block, against the bucket", async () => {
      const found = await violations(s3BucketPublicAccessBlock, [bucket]);
      assert.deepEqual(
        found.map((v) => [v.urn, v.message]),
        [[bucket.urn, 'Bucket "cache" has no BucketPublicAccessBlock.']],
      );
    });
    it("reports the settings a block leaves off", async () => {
      const block = resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cache", {
        bucket: "modproxy-cache",
        ...allBlocked,
        blockPublicPolicy: false,
        ignorePublicAcls: undefined,
      });
      assert.deepEqual(await messages(s3BucketPublicAccessBlock, [bucket, block]), [
        'Bucket "cache" public access block "cache" does not set blockPublicPolicy, ignorePublicAcls to true.',
      ]);
    });
  });

  describe("s3-bucket-policy-requires-tls", () => {
    it("passes a bucket policy denying aws:SecureTransport false", async () => {
      const policy = resource("aws:s3/bucketPolicy:BucketPolicy", "cache", { bucket: "modproxy-cache", policy: tlsOnlyPolicy });
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket, policy]), []);
    });
    it("reports a bucket without a policy", async () => {
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket]), ['Bucket "cache" has no BucketPolicy denying non-TLS access.']);
    });
    it("reports a policy that does not deny plain http", async () => {
      const allowAll = JSON.stringify({ Statement: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" } });
      const policy = resource("aws:s3/bucketPolicy:BucketPolicy", "cache", { bucket: "modproxy-cache", policy: allowAll });
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket, policy]), [
        'Bucket "cache" bucket policy has no Deny statement on aws:SecureTransport = false.',
      ]);
    });
  });

  describe("security-group-no-public-ingress", () => {
    const publicHttps = resource("aws:ec2/securityGroup:SecurityGroup", "alb", {
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
    });
    it("passes ingress from private ranges", async () => {
      const sg = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "from-vpc", {
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "10.0.0.0/8",
      });
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [sg]), []);
    });
    it("reports HTTPS from anywhere unless a public load balancer is allowed", async () => {
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [publicHttps]), ["Ingress tcp/443 is open to 0.0.0.0/0, ::/0."]);
      assert.deepEqual(
        await messages(securityGroupNoPublicIngress, [publicHttps], { "security-group-no-public-ingress": { allowPublicLoadBalancer: true } }),
        [],
      );
    });
    it("reports other ports from anywhere even when a public load balancer is allowed", async () => {
      const rule = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "all", {
        type: "ingress",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      });
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [rule], { "security-group-no-public-ingress": { allowPublicLoadBalancer: true } }), [
        "Ingress all traffic is open to 0.0.0.0/0.",
      ]);
    });
    it("ignores egress rules", async () => {
      const rule = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "out", {
        type: "egress",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      });
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [rule]), []);
    });
  });

  describe("security-group-no-ssh-rdp-from-anywhere", () => {
    it("passes SSH from a private range", async () => {
      const sg = resource("aws:ec2/securityGroup:SecurityGroup", "bastion", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }],
      });
      assert.deepEqual(await messages(securityGroupNoRemoteAdminFromAnywhere, [sg]), []);
    });
    it("reports a port range that covers SSH and RDP from anywhere", async () => {
      const sg = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "wide", {
        ipProtocol: "tcp",
        fromPort: 0,
        toPort: 4000,
        cidrIpv6: "::/0",
      });
      assert.deepEqual(await messages(securityGroupNoRemoteAdminFromAnywhere, [sg]), [
        "Ingress tcp/0-4000 exposes remote administration port(s) 22, 3389 to ::/0.",
      ]);
    });
  });

  describe("eks-endpoint-not-public", () => {
    const cluster = (vpcConfig: Record<string, unknown>) => resource("aws:eks/cluster:Cluster", "eks", { vpcConfig });
    it("passes a private endpoint and a public one limited to listed ranges", async () => {
      assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ endpointPublicAccess: false, endpointPrivateAccess: true })]), []);
      assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] })]), []);
    });
    it("reports the AWS default of a public endpoint open to everyone", async () => {
      assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({})]), [
        "The API endpoint is public to 0.0.0.0/0: set vpcConfig.endpointPublicAccess to false or list publicAccessCidrs.",
      ]);
    });
    it("reports 0.0.0.0/0 among the listed ranges", async () => {
      assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] })]), [
        "The public API endpoint allows 0.0.0.0/0.",
      ]);
    });
  });

  describe("eks-secrets-encryption", () => {
    it("passes secrets encrypted with a KMS key", async () => {
      const cluster = resource("aws:eks/cluster:Cluster", "eks", {
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" } },
      });
      assert.deepEqual(await messages(eksSecretsEncryption, [cluster]), []);
    });
    it("reports a cluster without encryption config", async () => {
      const cluster = resource("aws:eks/cluster:Cluster", "eks", { vpcConfig: {} });
      assert.deepEqual(await messages(eksSecretsEncryption, [cluster]), ['encryptionConfig must list "secrets" and name a KMS key in provider.keyArn.']);
    });
  });

  describe("compute-no-public-ip", () => {
    it("passes an instance and launch template without public addresses", async () => {
      const instance = resource("aws:ec2/instance:Instance", "node", { associatePublicIpAddress: false });
      const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", { networkInterfaces: [{ associatePublicIpAddress: "false" }] });
      assert.deepEqual(await messages(computeNoPublicIp, [instance, template]), []);
    });
    it("reports public addresses on instances and launch template interfaces", async () => {
      const instance = resource("aws:ec2/instance:Instance", "node", { associatePublicIpAddress: true });
      const template = resource("aws:ec2/launchTemplate:LaunchTemplate", "nodes", { networkInterfaces: [{ associatePublicIpAddress: "true" }] });
      assert.deepEqual(await messages(computeNoPublicIp, [instance, template]), [
        "associatePublicIpAddress is true.",
        "networkInterfaces[0].associatePublicIpAddress is true.",
      ]);
    });
  });

  describe("node-subnets-no-public-ip", () => {
    const publicSubnet = resource("aws:ec2/subnet:Subnet", "public-a", { mapPublicIpOnLaunch: true, cidrBlock: "10.0.0.0/24" });
    const privateSubnet = resource("aws:ec2/subnet:Subnet", "private-a", { cidrBlock: "10.0.1.0/24" });
    it("passes nodes in private subnets while public subnets serve the load balancer", async () => {
      const nodes = resource(
        "aws:eks/nodeGroup:NodeGroup",
        "nodes",
        { subnetIds: ["private-a-id"] },
        { propertyDependencies: { subnetIds: [privateSubnet.urn] } },
      );
      assert.deepEqual(await messages(nodeSubnetsNoPublicIp, [publicSubnet, privateSubnet, nodes]), []);
    });
    it("reports a public-IP subnet that hosts nodes", async () => {
      const nodes = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { subnetIds: [publicSubnet.name] });
      const found = await violations(nodeSubnetsNoPublicIp, [publicSubnet, privateSubnet, nodes]);
      assert.deepEqual(
        found.map((v) => [v.urn, v.message]),
        [[publicSubnet.urn, 'Subnet "public-a" maps public IPs on launch and hosts nodes of "nodes".']],
      );
    });
  });

  describe("load-balancer-internal", () => {
    it("passes an internal load balancer", async () => {
      assert.deepEqual(await messages(loadBalancerInternal, [resource("aws:lb/loadBalancer:LoadBalancer", "alb", { internal: true })]), []);
    });
    it("reports an internet-facing one unless config allows it", async () => {
      const alb = resource("aws:alb/loadBalancer:LoadBalancer", "alb", { internal: false });
      assert.deepEqual(await messages(loadBalancerInternal, [alb]), [
        "The load balancer is internet-facing: set internal to true, or allowPublicLoadBalancer in the pack config.",
      ]);
      assert.deepEqual(await messages(loadBalancerInternal, [alb], { "load-balancer-internal": { allowPublicLoadBalancer: true } }), []);
    });
  });

  describe("k8s-namespace-default-deny", () => {
    const proxy = deployment("proxy", {});
    const denyAll = (namespace: string, spec: Record<string, unknown> = {}) =>
      resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", `deny-${namespace}`, {
        metadata: { namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec },
      });
    it("passes a namespace with a default-deny policy", async () => {
      assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, denyAll("modproxy")]), []);
    });
    it("accepts ingress and egress denied by separate policies", async () => {
      const ingress = denyAll("modproxy", { policyTypes: ["Ingress"] });
      const egress = resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny-egress", {
        metadata: { namespace: "modproxy" },
        spec: { podSelector: {}, policyTypes: ["Egress"] },
      });
      assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, ingress, egress]), []);
    });
    it("reports the workload when the policy is elsewhere or selects only some pods", async () => {
      const partial = denyAll("modproxy", { podSelector: { matchLabels: { app: "other" } } });
      const found = await violations(kubernetesNamespaceDefaultDeny, [proxy, denyAll("other"), partial]);
      assert.deepEqual(
        found.map((v) => [v.urn, v.message]),
        [
          [
            urnOf("kubernetes:apps/v1:Deployment", "proxy"),
            'Workload "proxy" runs in namespace "modproxy", which has no default-deny NetworkPolicy for Ingress, Egress.',
          ],
        ],
      );
    });
    it("reports a direction that has allow rules, unless config requires only ingress", async () => {
      const allowsEgress = denyAll("modproxy", { egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] });
      assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [proxy, allowsEgress]), [
        'Workload "proxy" runs in namespace "modproxy", which has no default-deny NetworkPolicy for Egress.',
      ]);
      assert.deepEqual(
        await messages(kubernetesNamespaceDefaultDeny, [proxy, allowsEgress], { "k8s-namespace-default-deny": { directions: ["Ingress"] } }),
        [],
      );
    });
  });

  describe("k8s-no-host-network", () => {
    it("passes a pod on the cluster network", async () => {
      assert.deepEqual(await messages(kubernetesNoHostNetwork, [deployment("proxy", { ports: [{ containerPort: 8080 }] })]), []);
    });
    it("reports hostNetwork and hostPort", async () => {
      const pod = deployment("proxy", { ports: [{ containerPort: 8080, hostPort: 8080 }] }, { hostNetwork: true });
      assert.deepEqual(await messages(kubernetesNoHostNetwork, [pod]), ["hostNetwork is true.", 'Container "proxy" binds hostPort 8080.']);
    });
  });

  describe("k8s-loadbalancer-service-internal-or-tls", () => {
    const service = (annotations: Record<string, string>, type = "LoadBalancer") =>
      resource("kubernetes:core/v1:Service", "proxy", { metadata: { annotations }, spec: { type, ports: [{ port: 443 }] } });
    it("passes internal, TLS and non-LoadBalancer services", async () => {
      assert.deepEqual(
        await messages(kubernetesLoadBalancerServiceInternalOrTls, [service({ "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" })]),
        [],
      );
      assert.deepEqual(
        await messages(kubernetesLoadBalancerServiceInternalOrTls, [
          service({ "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:aws:acm:eu-west-1:123456789012:certificate/c" }),
        ]),
        [],
      );
      assert.deepEqual(await messages(kubernetesLoadBalancerServiceInternalOrTls, [service({}, "ClusterIP")]), []);
    });
    it("reports a public plain LoadBalancer service", async () => {
      assert.deepEqual(await messages(kubernetesLoadBalancerServiceInternalOrTls, [service({})]), [
        "The LoadBalancer Service is neither internal (service.beta.kubernetes.io/aws-load-balancer-internal or service.beta.kubernetes.io/aws-load-balancer-scheme) nor TLS (service.beta.kubernetes.io/aws-load-balancer-ssl-cert).",
      ]);
    });
  });
});
