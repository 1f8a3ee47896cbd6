import * as assert from "assert";
import { SynthesisResult } from "../../infra/offlineRun";
import { evaluatePolicies } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { at, ofType, one } from "../infra/resources";
import { exampleConfig, NETWORK_AND_CLUSTER, synthesizeExample } from "../support/example-program";

describe("the existing-cluster example", () => {
  const config = exampleConfig();
  const key = (name: string) => config[`platform-goproxy:${name}`];
  const privateSubnets = JSON.parse(key("privateSubnets")) as { id: string; cidrBlock: string }[];
  let result: SynthesisResult;
  before(async () => {
    result = await synthesizeExample();
  });

  it("creates no VPC, subnet, gateway, endpoint, EKS cluster, node group or OIDC provider", () => {
    assert.deepStrictEqual(
      result.resources.filter((r) => NETWORK_AND_CLUSTER.test(r.type)).map((r) => r.urn),
      [],
    );
    assert.ok(ofType(result, "aws:lb/loadBalancer:LoadBalancer").length === 1, "it does deploy the proxy's own resources");
  });

  it("puts an internal load balancer in the given VPC and private subnets, targeting the given node group", () => {
    const alb = one(result, "aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual([alb.inputs.internal, alb.inputs.subnets], [true, privateSubnets.map((s) => s.id)]);
    assert.strictEqual(one(result, "aws:ec2/securityGroup:SecurityGroup").inputs.vpcId, key("vpcId"));
    assert.strictEqual(one(result, "aws:lb/targetGroup:TargetGroup").inputs.vpcId, key("vpcId"));
    assert.strictEqual(one(result, "aws:autoscaling/attachment:Attachment").inputs.autoscalingGroupName, key("nodeAutoScalingGroupName"));
    const toNodes = one(result, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    assert.deepStrictEqual([toNodes.inputs.securityGroupId, toNodes.inputs.fromPort], [key("clusterSecurityGroupId"), 30080]);
  });

  it("applies the proxy's objects to the given cluster, through its endpoint and CA", () => {
    const provider = one(result, "pulumi:providers:kubernetes");
    const kubeconfig = JSON.parse(String(provider.inputs.kubeconfig));
    assert.deepStrictEqual(kubeconfig.clusters[0].cluster, {
      server: key("clusterEndpoint"),
      "certificate-authority-data": key("clusterCertificateAuthority"),
    });
    assert.deepStrictEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", key("clusterName"), "--region", "eu-west-1"]);
    const objects = result.resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.ok(objects.length > 0);
    assert.deepStrictEqual(
      objects.filter((o) => o.provider !== provider.urn).map((o) => o.name),
      [],
    );
  });

  it("gives the proxy's service account its role through a Pod Identity association in the given cluster", () => {
    const role = ofType(result, "aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes("pods.eks.amazonaws.com"));
    assert.ok(role);
    const [statement] = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement;
    assert.strictEqual(statement.Condition.StringEquals["aws:RequestTag/eks-cluster-name"], key("clusterName"));
    const association = one(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    assert.deepStrictEqual(
      [association.inputs.clusterName, association.inputs.namespace, association.inputs.serviceAccount, association.inputs.roleArn],
      [key("clusterName"), "modproxy", "modproxy", role.outputs.arn],
    );
    // Pod Identity needs no annotation; an IRSA one left behind would point the SDK at the web identity instead.
    const serviceAccount = one(result, "kubernetes:core/v1:ServiceAccount");
    assert.strictEqual((at(serviceAccount, "metadata.annotations") as Record<string, string> | undefined)?.["eks.amazonaws.com/role-arn"], undefined);
  });

  it("admits the load balancer's subnets to the pods and lets them out to the VPC's endpoints and S3", () => {
    const allow = one(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "modproxy-example-allow");
    const cidrs = (path: string) => (at(allow, path) as { ipBlock: { cidr: string } }[]).map((peer) => peer.ipBlock.cidr);
    assert.deepStrictEqual(
      cidrs("spec.ingress.0.from"),
      privateSubnets.map((s) => s.cidrBlock),
    );
    assert.deepStrictEqual(cidrs("spec.egress.1.to"), [key("vpcCidr")]);
    assert.deepStrictEqual(cidrs("spec.egress.2.to"), ["52.216.0.0/15", "3.5.0.0/19"]);
  });

  it("passes the policy pack with nothing mandatory", async () => {
    const findings = await evaluatePolicies(allPolicies, result.resources, {});
    assert.deepStrictEqual(
      findings.filter((f) => f.enforcementLevel === "mandatory"),
      [],
    );
  });

  it("stops on a subnet outside the VPC, naming it", async () => {
    const outside = JSON.stringify([privateSubnets[0], { id: "subnet-0fff7777aaaa88889", cidrBlock: "10.99.0.0/18" }]);
    await assert.rejects(
      synthesizeExample({ "platform-goproxy:privateSubnets": outside }),
      /privateSubnets: 10\.99\.0\.0\/18 is not inside the VPC's 10\.40\.0\.0\/16/,
    );
  });
});
