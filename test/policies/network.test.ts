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
import { resolvePolicyConfig } from "../../policies/evaluate";
import { deployment, messages, resource, unknown, urnOf, violations } from "./helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const denyInsecure = {
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: ["arn:aws:s3:::modproxy-cache", "arn:aws:s3:::modproxy-cache/*"],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const policyOf = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const tlsOnlyPolicy = policyOf(denyInsecure);

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
    const bucketPolicy = (name: string, inputs: Record<string, unknown>, target = bucket) =>
      resource("aws:s3/bucketPolicy:BucketPolicy", name, inputs, { propertyDependencies: { bucket: [target.urn] } });
    it("passes a bucket policy denying aws:SecureTransport false on the bucket and its objects", async () => {
      const policy = resource("aws:s3/bucketPolicy:BucketPolicy", "cache", { bucket: "modproxy-cache", policy: tlsOnlyPolicy });
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket, policy]), []);
    });
    it('accepts BoolIfExists, an {AWS: "*"} principal, the "*" action and wildcard resources', async () => {
      const statement = {
        ...denyInsecure,
        Principal: { AWS: "*" },
        Action: ["*"],
        Resource: "arn:aws:s3:::modproxy-*",
        Condition: { BoolIfExists: { "aws:SecureTransport": false } },
      };
      assert.deepEqual(
        await messages(s3BucketPolicyRequiresTls, [bucket, bucketPolicy("cache", { bucket: "modproxy-cache", policy: policyOf(statement) })]),
        [],
      );
    });
    it("matches the bucket ARN and its objects pairwise while the bucket's name is unknown", async () => {
      const autonamed = resource("aws:s3/bucket:Bucket", "auto", {});
      const pair = bucketPolicy(
        "auto",
        { bucket: unknown, policy: policyOf({ ...denyInsecure, Resource: ["arn:aws:s3:::auto-1a2b", "arn:aws:s3:::auto-1a2b/*"] }) },
        autonamed,
      );
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [autonamed, pair]), []);
      const objectsOnly = bucketPolicy("auto", { bucket: unknown, policy: policyOf({ ...denyInsecure, Resource: "arn:aws:s3:::auto-1a2b/*" }) }, autonamed);
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [autonamed, objectsOnly]), [
        'Bucket "auto" bucket policy has no statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false.',
      ]);
    });
    it("reports a bucket without a policy", async () => {
      assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket]), ['Bucket "cache" has no BucketPolicy denying non-TLS access.']);
    });
    it("reports deny statements that leave a principal, an action, the bucket or its objects out", async () => {
      const variants: Record<string, object> = {
        allow: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" },
        "one-principal": { ...denyInsecure, Principal: { AWS: "arn:aws:iam::123456789012:root" } },
        "one-action": { ...denyInsecure, Action: "s3:GetObject" },
        "objects-only": { ...denyInsecure, Resource: "arn:aws:s3:::modproxy-cache/*" },
        "other-bucket": { ...denyInsecure, Resource: ["arn:aws:s3:::other", "arn:aws:s3:::other/*"] },
        "secure-only": { ...denyInsecure, Condition: { Bool: { "aws:SecureTransport": "true" } } },
      };
      for (const [name, statement] of Object.entries(variants)) {
        const policy = resource("aws:s3/bucketPolicy:BucketPolicy", name, { bucket: "modproxy-cache", policy: policyOf(statement) });
        assert.deepEqual(
          await messages(s3BucketPolicyRequiresTls, [bucket, policy]),
          ['Bucket "cache" bucket policy has no statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false.'],
          name,
        );
      }
    });
    it("checks each bucket on its own: an unknown policy hides no other bucket's missing one", async () => {
      const pending = resource("aws:s3/bucket:Bucket", "pending", {});
      const unpoliced = resource("aws:s3/bucket:Bucket", "logs", {});
      const found = await violations(s3BucketPolicyRequiresTls, [pending, bucketPolicy("pending", { bucket: unknown, policy: unknown }, pending), unpoliced]);
      assert.deepEqual(
        found.map((v) => [v.enforcementLevel, v.urn, v.message]),
        [
          ["mandatory", unpoliced.urn, 'Bucket "logs" has no BucketPolicy denying non-TLS access.'],
          [
            "advisory",
            undefined,
            "can't run policy 's3-bucket-policy-requires-tls' from policy pack 'modproxy@v0.1.0' during preview: string value at .policy can't be known during preview",
          ],
        ],
      );
    });
  });

  describe("security-group-no-public-ingress", () => {
    const worldHttps = { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
    const group = (name: string, ingress: object[]) => resource("aws:ec2/securityGroup:SecurityGroup", name, { ingress });
    /** An application load balancer guarded by `sg`, with an HTTPS listener on 443, joined by property dependencies as the engine records them. */
    const loadBalancerFor = (sg: { urn: string }, internal: boolean) => {
      const alb = resource(
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        { internal, securityGroups: ["sg-id"] },
        { propertyDependencies: { securityGroups: [sg.urn] } },
      );
      const https = resource("aws:lb/listener:Listener", "https", { protocol: "HTTPS", port: 443 }, { propertyDependencies: { loadBalancerArn: [alb.urn] } });
      return [alb, https];
    };
    it("passes ingress from private ranges", async () => {
      const sg = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "from-vpc", {
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "10.0.0.0/8",
      });
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [sg]), []);
    });
    it("admits the internet to the HTTPS listener port of an internet-facing load balancer the group guards", async () => {
      const albGroup = group("alb", [worldHttps]);
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, ...loadBalancerFor(albGroup, false)]), []);
    });
    it("joins a standalone rule to its group, and the group to the load balancer, by id and ARN", async () => {
      const albGroup = resource("aws:ec2/securityGroup:SecurityGroup", "alb", { id: "sg-0a1b" });
      const rule = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "https-in", {
        securityGroupId: "sg-0a1b",
        ipProtocol: "tcp",
        fromPort: 8443,
        toPort: 8443,
        cidrIpv6: "::/0",
      });
      const arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/nlb/50dc6c495c0c9188";
      const nlb = resource("aws:lb/loadBalancer:LoadBalancer", "nlb", { arn, loadBalancerType: "network", securityGroups: ["sg-0a1b"] });
      const tls = resource("aws:lb/listener:Listener", "tls", { protocol: "TLS", port: 8443, loadBalancerArn: arn });
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, rule, nlb, tls]), []);
      const elsewhere = { ...rule, urn: urnOf(rule.type, "https-in-2"), inputs: { ...rule.inputs, securityGroupId: "sg-9z8y" } };
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, elsewhere, nlb, tls]), [
        "Ingress tcp/8443 is open to ::/0; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
      ]);
    });
    it("reports world HTTPS on a group no internet-facing load balancer uses, whatever load-balancer-internal allows", async () => {
      const albGroup = group("alb", [worldHttps]);
      const open = ["Ingress tcp/443 is open to 0.0.0.0/0, ::/0; only an internet-facing load balancer's HTTPS/TLS listener port may be."];
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup]), open);
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, ...loadBalancerFor(albGroup, true)]), open);
      const closed = group("alb", []);
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [closed, group("nodes", [worldHttps]), ...loadBalancerFor(closed, false)]), open);
    });
    it("reports ports other than the listener's on the load balancer's group", async () => {
      const albGroup = group("alb", [worldHttps, { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }]);
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [albGroup, ...loadBalancerFor(albGroup, false)]), [
        "Ingress tcp/80 is open to 0.0.0.0/0; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
      ]);
    });
    it("reports ranges that together span the internet, not only 0.0.0.0/0", async () => {
      const rule = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "halves", {
        type: "ingress",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8"],
      });
      assert.deepEqual(await messages(securityGroupNoPublicIngress, [rule]), [
        "Ingress all traffic is open to 0.0.0.0/1, 128.0.0.0/1; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
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
    it("has no switch of its own: load-balancer-internal alone allows a public load balancer", () => {
      assert.throws(
        () => resolvePolicyConfig(securityGroupNoPublicIngress, { "security-group-no-public-ingress": { allowPublicLoadBalancer: true } }),
        /policy "security-group-no-public-ingress" has no config "allowPublicLoadBalancer" \(known: none\)/,
      );
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
    it("reports SSH from ranges wider than any private one", async () => {
      const sg = resource("aws:ec2/securityGroup:SecurityGroup", "bastion", {
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"], ipv6CidrBlocks: ["2000::/3"] }],
      });
      assert.deepEqual(await messages(securityGroupNoRemoteAdminFromAnywhere, [sg]), [
        "Ingress tcp/22 exposes remote administration port(s) 22 to 0.0.0.0/1, 128.0.0.0/1, 2000::/3.",
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
    it("reports ranges that together span the internet", async () => {
      assert.deepEqual(await messages(eksEndpointNotPublic, [cluster({ publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })]), [
        "The public API endpoint allows 0.0.0.0/1, 128.0.0.0/1.",
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
    const publicSubnet = resource("aws:ec2/subnet:Subnet", "public-a", { id: "subnet-0pub", mapPublicIpOnLaunch: true, cidrBlock: "10.0.0.0/24" });
    const privateSubnet = resource("aws:ec2/subnet:Subnet", "private-a", { id: "subnet-0priv", cidrBlock: "10.0.1.0/24" });
    it("passes nodes in private subnets while public subnets serve the load balancer", async () => {
      const nodes = resource(
        "aws:eks/nodeGroup:NodeGroup",
        "nodes",
        { subnetIds: ["private-a-id"] },
        { propertyDependencies: { subnetIds: [privateSubnet.urn] } },
      );
      assert.deepEqual(await messages(nodeSubnetsNoPublicIp, [publicSubnet, privateSubnet, nodes]), []);
    });
    it("reports a public-IP subnet that hosts nodes, joined by the subnet's id", async () => {
      const nodes = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { subnetIds: ["subnet-0priv", "subnet-0pub"] });
      const found = await violations(nodeSubnetsNoPublicIp, [publicSubnet, privateSubnet, nodes]);
      assert.deepEqual(
        found.map((v) => [v.urn, v.message]),
        [[publicSubnet.urn, 'Subnet "public-a" maps public IPs on launch and hosts nodes of "nodes".']],
      );
    });
    it("does not join by logical name, which is no reference", async () => {
      const instance = resource("aws:ec2/instance:Instance", "bastion", { subnetId: publicSubnet.name });
      assert.deepEqual(await messages(nodeSubnetsNoPublicIp, [publicSubnet, instance]), []);
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
    it("takes an object the engine gives no properties (its cluster is not known yet) as unknown, not as in the default namespace", async () => {
      // So the engine sends the objects of a cluster still to be created, in a stack's first preview.
      const pending = [resource("kubernetes:apps/v1:Deployment", "proxy", {}), resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny", {})];
      assert.deepEqual(
        (await violations(kubernetesNamespaceDefaultDeny, pending)).map((v) => [v.enforcementLevel, v.message]),
        [
          [
            "advisory",
            "can't run policy 'k8s-namespace-default-deny' from policy pack 'modproxy@v0.1.0' during preview: Object value at .metadata can't be known during preview",
          ],
        ],
      );
    });
    it("exempts kube-system by default, and the namespaces config names instead", async () => {
      const system = deployment("coredns", {}, {}, "kube-system");
      const monitoring = deployment("agent", {}, {}, "monitoring");
      assert.deepEqual(await messages(kubernetesNamespaceDefaultDeny, [system]), []);
      assert.deepEqual(
        await messages(kubernetesNamespaceDefaultDeny, [system, monitoring], { "k8s-namespace-default-deny": { exemptNamespaces: ["monitoring"] } }),
        ['Workload "coredns" runs in namespace "kube-system", which has no default-deny NetworkPolicy for Ingress, Egress.'],
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
