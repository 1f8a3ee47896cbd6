import * as assert from "assert";
import { Cluster, ClusterArgs } from "../../components/cluster";
import { assertParentedToComponent, at, isSecretAt, ofType, one, synthesizeComponent } from "../infra/resources";

const ARGS: ClusterArgs = { clusterName: "mp", region: "eu-west-1", privateSubnetIds: ["subnet-a", "subnet-b"] };

describe("Cluster", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new Cluster("c", { ...ARGS, privateAccessCidrs: ["10.100.0.0/16"] })));
  });

  it("keeps the API endpoint private by default", async () => {
    const cluster = one(await synthesizeComponent(() => new Cluster("c", ARGS)), "aws:eks/cluster:Cluster");
    assert.strictEqual(at(cluster, "vpcConfig.endpointPrivateAccess"), true);
    assert.strictEqual(at(cluster, "vpcConfig.endpointPublicAccess"), false);
    assert.deepStrictEqual(at(cluster, "vpcConfig.subnetIds"), ["subnet-a", "subnet-b"]);
  });

  it("limits public access to the configured CIDRs and refuses internet-wide ones", async () => {
    const cluster = one(await synthesizeComponent(() => new Cluster("c", { ...ARGS, publicAccessCidrs: ["203.0.113.0/24"] })), "aws:eks/cluster:Cluster");
    assert.strictEqual(at(cluster, "vpcConfig.endpointPublicAccess"), true);
    assert.deepStrictEqual(at(cluster, "vpcConfig.publicAccessCidrs"), ["203.0.113.0/24"]);
    for (const wide of ["0.0.0.0/0", "128.0.0.0/1"]) {
      await assert.rejects(
        synthesizeComponent(() => new Cluster("c", { ...ARGS, publicAccessCidrs: ["203.0.113.0/24", wide] })),
        /publicAccessCidrs must not contain 0\.0\.0\.0\/0 or any range as wide \(e\.g\. 0\.0\.0\.0\/1\)/,
      );
    }
  });

  it("admits deployer networks to the private endpoint on 443 before the Kubernetes provider uses it", async () => {
    const privateAccessCidrs = ["10.100.0.0/16", "192.168.8.0/24"];
    const result = await synthesizeComponent(() => new Cluster("c", { ...ARGS, privateAccessCidrs }));
    const rules = ofType(result, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    assert.deepStrictEqual(
      rules.map((rule) => [rule.inputs.securityGroupId, rule.inputs.cidrIpv4, rule.inputs.ipProtocol, rule.inputs.fromPort, rule.inputs.toPort]),
      privateAccessCidrs.map((cidr) => ["sg-c-eks-cluster", cidr, "tcp", 443, 443]),
    );
    const provider = one(result, "pulumi:providers:kubernetes");
    assert.ok(
      rules.every((rule) => provider.dependencies.includes(rule.urn)),
      "the provider's first call would fail before its rule exists",
    );
    assert.deepStrictEqual(ofType(await synthesizeComponent(() => new Cluster("c", ARGS)), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), []);
    await assert.rejects(
      synthesizeComponent(() => new Cluster("c", { ...ARGS, privateAccessCidrs: ["0.0.0.0/1"] })),
      /privateAccessCidrs must not contain 0\.0\.0\.0\/0 or any range as wide/,
    );
  });

  it("envelope-encrypts secrets with a rotating KMS key and ships every control-plane log", async () => {
    const result = await synthesizeComponent(() => new Cluster("c", ARGS));
    const cluster = one(result, "aws:eks/cluster:Cluster");
    const key = one(result, "aws:kms/key:Key");
    assert.strictEqual(key.inputs.enableKeyRotation, true);
    assert.deepStrictEqual(at(cluster, "encryptionConfig.resources"), ["secrets"]);
    assert.strictEqual(at(cluster, "encryptionConfig.provider.keyArn"), "arn:aws:kms:eu-west-1:123456789012:c-secrets-key");
    assert.deepStrictEqual(at(cluster, "enabledClusterLogTypes"), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    const logGroup = one(result, "aws:cloudwatch/logGroup:LogGroup");
    assert.deepStrictEqual([logGroup.inputs.name, logGroup.inputs.retentionInDays], ["/aws/eks/mp/cluster", 365]);
    const [keyGrant] = JSON.parse(String(one(result, "aws:iam/rolePolicy:RolePolicy", "c-cluster-secrets-key").inputs.policy)).Statement;
    assert.strictEqual(keyGrant.Resource, "arn:aws:kms:eu-west-1:123456789012:c-secrets-key");
  });

  it("runs a managed node group in the private subnets with IMDSv2 and a hop limit of 1", async () => {
    const result = await synthesizeComponent(() => new Cluster("c", { ...ARGS, nodeMinSize: 3, nodeDesiredSize: 3, nodeMaxSize: 9 }));
    const nodes = one(result, "aws:eks/nodeGroup:NodeGroup");
    assert.deepStrictEqual(nodes.inputs.subnetIds, ["subnet-a", "subnet-b"]);
    assert.deepStrictEqual(nodes.inputs.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 9 });
    const template = one(result, "aws:ec2/launchTemplate:LaunchTemplate");
    assert.strictEqual(at(template, "metadataOptions.httpTokens"), "required");
    assert.strictEqual(at(template, "metadataOptions.httpPutResponseHopLimit"), 1);
    // The node group follows the template's latest version, so a template change rolls the nodes.
    assert.strictEqual(at(nodes, "launchTemplate.version"), "1");
    const attachments = ofType(result, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.name.startsWith("c-node-role-"));
    assert.strictEqual(attachments.length, 3);
    assert.ok(
      attachments.every((a) => nodes.dependencies.includes(a.urn)),
      "nodes cannot join before their role's policies are attached",
    );
  });

  it("registers the cluster's OIDC issuer for IRSA and turns on NetworkPolicy enforcement", async () => {
    const result = await synthesizeComponent(() => new Cluster("c", ARGS));
    const oidc = one(result, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.strictEqual(oidc.inputs.url, "https://oidc.eks.eu-west-1.amazonaws.com/id/C-EKS");
    assert.deepStrictEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
    const cni = one(result, "aws:eks/addon:Addon", "c-vpc-cni");
    assert.deepStrictEqual(JSON.parse(String(cni.inputs.configurationValues)), { enableNetworkPolicy: "true" });
  });

  it("installs the metrics-server add-on, which the autoscaler's CPU metric needs, once the nodes exist", async () => {
    const result = await synthesizeComponent(() => new Cluster("c", ARGS));
    const metrics = one(result, "aws:eks/addon:Addon", "c-metrics-server");
    assert.deepStrictEqual([metrics.inputs.addonName, metrics.inputs.clusterName], ["metrics-server", "mp"]);
    assert.ok(metrics.dependencies.includes(one(result, "aws:eks/nodeGroup:NodeGroup").urn), "its pods need nodes to run on");
  });

  it("installs the EKS Pod Identity agent before the Kubernetes provider starts any pod, unless told not to", async () => {
    const result = await synthesizeComponent(() => new Cluster("c", ARGS));
    const agent = one(result, "aws:eks/addon:Addon", "c-pod-identity-agent");
    assert.deepStrictEqual([agent.inputs.addonName, agent.inputs.clusterName], ["eks-pod-identity-agent", "mp"]);
    assert.ok(one(result, "pulumi:providers:kubernetes").dependencies.includes(agent.urn), "pods started before it would go without credentials");
    const without = await synthesizeComponent(() => new Cluster("c", { ...ARGS, podIdentityAgent: false }));
    assert.deepStrictEqual(
      ofType(without, "aws:eks/addon:Addon").map((addon) => addon.inputs.addonName),
      ["vpc-cni", "metrics-server"],
    );
  });

  it("points a Kubernetes provider at the cluster, optionally rendering YAML instead", async () => {
    const applied = one(await synthesizeComponent(() => new Cluster("c", ARGS)), "pulumi:providers:kubernetes");
    const kubeconfig = JSON.parse(String(applied.inputs.kubeconfig));
    assert.strictEqual(kubeconfig.clusters[0].cluster.server, "https://c-eks.gr7.eu-west-1.eks.amazonaws.com");
    assert.deepStrictEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "mp", "--region", "eu-west-1"]);
    assert.ok(isSecretAt(applied, "kubeconfig"), "the kubeconfig is encrypted in the stack's state");
    assert.strictEqual(applied.inputs.renderYamlToDirectory, undefined);
    const rendered = one(await synthesizeComponent(() => new Cluster("c", { ...ARGS, renderYamlToDirectory: "out/manifests" })), "pulumi:providers:kubernetes");
    assert.strictEqual(rendered.inputs.renderYamlToDirectory, "out/manifests");
  });
});
