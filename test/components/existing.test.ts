import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ExistingClusterArgs,
  existingCluster,
  existingClusterProblems,
  ExistingNetworkArgs,
  existingNetwork,
  existingNetworkProblems,
} from "../../components/existing";
import { deployModproxy, ModproxyArgs } from "../../components/modproxy";
import { runOffline } from "../../infra/offlineRun";
import { at, isSecretAt, ofType, one, synthesizeComponent } from "../infra/resources";

const NETWORK: ExistingNetworkArgs = {
  region: "eu-west-1",
  vpcId: "vpc-0a1b2c3d4e5f67890",
  cidrBlock: "10.40.0.0/16",
  privateSubnets: [
    { id: "subnet-0aaa1111bbbb22223", cidrBlock: "10.40.64.0/18" },
    { id: "subnet-0ccc3333dddd44445", cidrBlock: "10.40.128.0/18" },
  ],
};

const ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123";
/** The cluster without a way to reach its API. */
const IDENTITY = {
  clusterName: "platform-eks",
  region: "eu-west-1",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123",
  oidcIssuerUrl: ISSUER,
  clusterSecurityGroupId: "sg-0123456789abcdef0",
  nodeAutoScalingGroupName: "eks-general-asg",
};
const CLUSTER: ExistingClusterArgs = { ...IDENTITY, endpoint: "https://ABC123.gr7.eu-west-1.eks.amazonaws.com", certificateAuthorityData: "Y2EtZGF0YQ==" };

/** The cluster reached another way (or, to test the checks, none or several). */
function withAccess(access: Record<string, unknown>): ExistingClusterArgs {
  return { ...IDENTITY, ...access } as ExistingClusterArgs;
}

describe("existingNetwork", () => {
  it("accepts a VPC with private subnets inside it, and leaves values known only at deploy time unchecked", () => {
    assert.deepStrictEqual(existingNetworkProblems(NETWORK), []);
    const fromAnotherStack = {
      ...NETWORK,
      vpcId: pulumi.output("vpc-x"),
      privateSubnets: NETWORK.privateSubnets.map((s) => ({ ...s, id: pulumi.output("x") })),
    };
    assert.deepStrictEqual(existingNetworkProblems(fromAnotherStack), []);
  });

  it("names every problem: ids, ranges outside the VPC or overlapping, too few zones, a subnet twice", () => {
    const problems = existingNetworkProblems({
      ...NETWORK,
      vpcId: "10.40.0.0/16",
      privateSubnets: [
        { id: "subnet-0aaa1111bbbb22223", cidrBlock: "10.41.0.0/18" },
        { id: "subnet-0aaa1111bbbb22223", cidrBlock: "10.40.64.0/18" },
      ],
      publicSubnets: [{ id: "sub-1", cidrBlock: "10.40.64.0/20" }],
    });
    assert.deepStrictEqual(problems, [
      'vpcId must be a VPC id such as vpc-0a1b2c3d4e5f67890 (got "10.40.0.0/16")',
      "privateSubnets: 10.41.0.0/18 is not inside the VPC's 10.40.0.0/16",
      "publicSubnets must name subnets in at least two zones, as a load balancer needs (got 1)",
      'publicSubnets: "sub-1" is not a subnet id such as subnet-0a1b2c3d4e5f67890',
      "subnet subnet-0aaa1111bbbb22223 is named more than once",
      "subnet ranges 10.40.64.0/18 and 10.40.64.0/20 overlap: subnets of one VPC never do",
    ]);
    assert.deepStrictEqual(existingNetworkProblems({ ...NETWORK, cidrBlock: "10.40.0.1/16", privateSubnets: [] }), [
      'cidrBlock: "10.40.0.1/16" has host bits set; did you mean 10.40.0.0/16?',
      "privateSubnets must name subnets in at least two zones, as a load balancer needs (got 0)",
    ]);
  });

  it("raises a ResourceError listing the problems, and creates nothing", async () => {
    const result = synthesizeComponent(() => existingNetwork({ ...NETWORK, privateSubnets: NETWORK.privateSubnets.slice(0, 1) }));
    await assert.rejects(result, (err: Error) => {
      assert.ok(err instanceof pulumi.ResourceError, String(err));
      assert.match(err.message, /existingNetwork:\n {2}- privateSubnets must name subnets in at least two zones/);
      return true;
    });
  });

  it("looks up S3's ranges from the region's prefix list unless they are given", async () => {
    const result = await runOffline({ stack: "test", region: "eu-west-1" }, () => ({
      lookedUp: existingNetwork(NETWORK).s3Cidrs,
      given: existingNetwork({ ...NETWORK, s3Cidrs: ["198.51.100.0/24"] }).s3Cidrs,
    }));
    assert.deepStrictEqual(result.outputs, { lookedUp: ["52.216.0.0/15", "3.5.0.0/19"], given: ["198.51.100.0/24"] });
    assert.deepStrictEqual(
      result.resources.map((r) => r.type),
      ["pulumi:pulumi:Stack"],
    );
  });
});

describe("existingCluster", () => {
  it("accepts exactly one way to reach the API, and an OIDC provider that is the issuer's", () => {
    assert.deepStrictEqual(existingClusterProblems(CLUSTER), []);
    assert.deepStrictEqual(existingClusterProblems(withAccess({ kubeconfig: "apiVersion: v1" })), []);
    assert.deepStrictEqual(existingClusterProblems(withAccess({ endpoint: "https://x" })), [
      "endpoint and certificateAuthorityData go together: give both, or a kubeconfig, or a provider",
    ]);
    assert.deepStrictEqual(existingClusterProblems(withAccess({})), [
      "give exactly one way to reach the API: endpoint with certificateAuthorityData, kubeconfig, or provider (got none)",
    ]);
    assert.deepStrictEqual(existingClusterProblems({ ...CLUSTER, kubeconfig: "apiVersion: v1" } as ExistingClusterArgs), [
      "give exactly one way to reach the API: endpoint with certificateAuthorityData, kubeconfig, or provider (got endpoint and kubeconfig)",
    ]);
  });

  it("refuses an OIDC provider of another issuer, malformed ARNs and URLs", () => {
    assert.deepStrictEqual(existingClusterProblems({ ...CLUSTER, oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER" }), [
      "oidcProviderArn names oidc.eks.eu-west-1.amazonaws.com/id/ABC123, but the cluster's issuer is https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER: they must be the same",
    ]);
    assert.deepStrictEqual(
      existingClusterProblems({ ...CLUSTER, endpoint: "ABC123.gr7.eu-west-1.eks.amazonaws.com", oidcProviderArn: "arn:aws:iam::123:role/x" }),
      [
        'endpoint must be the API server\'s https:// URL (got "ABC123.gr7.eu-west-1.eks.amazonaws.com")',
        'oidcProviderArn must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks... (got "arn:aws:iam::123:role/x")',
      ],
    );
    assert.deepStrictEqual(existingClusterProblems({ ...CLUSTER, oidcIssuerUrl: "oidc.eks.eu-west-1.amazonaws.com/id/ABC123" }), [
      'oidcIssuerUrl must be the cluster\'s https:// issuer URL (got "oidc.eks.eu-west-1.amazonaws.com/id/ABC123")',
    ]);
  });

  it("raises a ResourceError listing the problems", async () => {
    await assert.rejects(
      synthesizeComponent(() => existingCluster("platform", withAccess({}))),
      (err: Error) => err instanceof pulumi.ResourceError && /existingCluster platform:\n {2}- give exactly one way to reach the API/.test(err.message),
    );
  });

  it("creates only a Kubernetes provider, reaching the endpoint through `aws eks get-token`, its kubeconfig a secret", async () => {
    const result = await synthesizeComponent(() => existingCluster("platform", { ...CLUSTER, renderYamlToDirectory: "out" }));
    assert.deepStrictEqual(
      result.resources.map((r) => r.type),
      ["pulumi:pulumi:Stack", "pulumi:providers:kubernetes"],
    );
    const provider = one(result, "pulumi:providers:kubernetes", "platform-k8s");
    const kubeconfig = JSON.parse(String(provider.inputs.kubeconfig));
    assert.deepStrictEqual(kubeconfig.clusters[0].cluster, {
      server: "https://ABC123.gr7.eu-west-1.eks.amazonaws.com",
      "certificate-authority-data": "Y2EtZGF0YQ==",
    });
    assert.deepStrictEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "platform-eks", "--region", "eu-west-1"]);
    assert.ok(isSecretAt(provider, "kubeconfig"));
    assert.strictEqual(provider.inputs.renderYamlToDirectory, "out");
  });

  it("uses a given kubeconfig as it is, and a given provider without making one", async () => {
    const withKubeconfig = await synthesizeComponent(() => existingCluster("platform", withAccess({ kubeconfig: "apiVersion: v1\nkind: Config\n" })));
    assert.strictEqual(one(withKubeconfig, "pulumi:providers:kubernetes").inputs.kubeconfig, "apiVersion: v1\nkind: Config\n");
    let same = false;
    const withProvider = await synthesizeComponent(() => {
      const provider = new k8s.Provider("platform-admin", { kubeconfig: "apiVersion: v1" });
      same = existingCluster("platform", withAccess({ provider })).provider === provider;
    });
    assert.ok(same, "the proxy's objects go through the given provider");
    assert.deepStrictEqual(
      ofType(withProvider, "pulumi:providers:kubernetes").map((p) => p.name),
      ["platform-admin"],
    );
    await assert.rejects(
      synthesizeComponent(() => existingCluster("platform", withAccess({ provider: new k8s.Provider("p", {}), renderYamlToDirectory: "out" }))),
      /renderYamlToDirectory cannot change a provider given to it/,
    );
  });
});

describe("deployModproxy", () => {
  /** Fails unless deployModproxy, given only a placement and `args`, refuses with exactly `message`, before creating anything. */
  async function assertRefuses(args: Partial<ModproxyArgs>, message: string): Promise<void> {
    await assert.rejects(
      synthesizeComponent(() =>
        deployModproxy("mp", { network: existingNetwork(NETWORK), cluster: existingCluster("platform", CLUSTER), ...args } as ModproxyArgs),
      ),
      (err: Error) => err instanceof pulumi.ResourceError && err.message === message,
    );
  }

  it("refuses an internet-facing load balancer in a network without public subnets", async () => {
    await assertRefuses(
      { loadBalancerScheme: "internet-facing" },
      "modproxy mp: an internet-facing load balancer needs public subnets in at least two zones (got 0)",
    );
  });

  it("refuses the scrape part without scraper namespaces, which the NetworkPolicy would block", async () => {
    await assertRefuses(
      { loadBalancerScheme: "internal", monitoring: ["alerts", "scrape"] },
      "modproxy mp: monitoring scrape needs metricsScraperNamespaces: the namespace's NetworkPolicy would block the scraper (name the Prometheus's namespace)",
    );
  });

  it("puts an internet-facing load balancer in the public subnets given", async () => {
    const publicSubnets = [
      { id: "subnet-0eee5555ffff66667", cidrBlock: "10.40.0.0/20" },
      { id: "subnet-0eee5555ffff66668", cidrBlock: "10.40.16.0/20" },
    ];
    const result = await synthesizeComponent(() =>
      deployModproxy("mp", {
        network: existingNetwork({ ...NETWORK, publicSubnets }),
        cluster: existingCluster("platform", CLUSTER),
        region: "eu-west-1",
        image: "registry.example.com/modproxy:0.1.0",
        replicas: 2,
        maxReplicas: 4,
        namespace: "modproxy",
        upstream: "https://goproxy.example.com",
        upstreamTimeout: "30s",
        goPrivate: "",
        s3Prefix: "modules/",
        noncurrentVersionDays: 30,
        loadBalancerScheme: "internet-facing",
        clientCidrs: ["203.0.113.0/24"],
        nodePort: 30080,
        domainName: "goproxy.example.com",
        certificateSource: "private-ca",
        egressCidrs: ["0.0.0.0/0"],
        deletionProtection: false,
        tags: {},
      }),
    );
    const alb = one(result, "aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual([alb.inputs.internal, alb.inputs.subnets], [false, publicSubnets.map((s) => s.id)]);
    const allow = ofType(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.name === "mp-allow")!;
    assert.deepStrictEqual(
      (at(allow, "spec.ingress.0.from") as { ipBlock: { cidr: string } }[]).map((peer) => peer.ipBlock.cidr),
      publicSubnets.map((s) => s.cidrBlock),
    );
  });
});
