import * as assert from "assert";
import { SynthesisResult, synthesize, SynthesizedResource } from "../../infra/synth";
import { loadConfig } from "../../proxy-app/src/config";
import { at, isSecretAt, ofType, one } from "./resources";

function countOf(result: SynthesisResult, type: string): number {
  return ofType(result, type).length;
}

/** The resource of a type with the given ID, as the engine resolves a reference. */
function byId(result: SynthesisResult, type: string, id: unknown): SynthesizedResource {
  const found = ofType(result, type).filter((resource) => resource.id === id);
  assert.strictEqual(found.length, 1, `expected one ${type} with ID ${String(id)}`);
  return found[0];
}

/** Whether a subnet's route table sends traffic to an internet gateway, which is what makes it public. */
function isPublicSubnet(result: SynthesisResult, subnet: SynthesizedResource): boolean {
  const association = ofType(result, "aws:ec2/routeTableAssociation:RouteTableAssociation").find((a) => a.inputs.subnetId === subnet.id);
  const table = byId(result, "aws:ec2/routeTable:RouteTable", association?.inputs.routeTableId);
  return (table.inputs.routes as { gatewayId?: string }[]).some((route) => route.gatewayId !== undefined);
}

describe("the modproxy program", () => {
  let dev: SynthesisResult;
  let prod: SynthesisResult;
  before(async () => {
    dev = await synthesize("dev");
    prod = await synthesize("prod");
  });

  it("builds every component once in each stack", () => {
    for (const result of [dev, prod]) {
      for (const component of ["Network", "Cluster", "ModuleStorage", "Certificates", "LoadBalancer", "ProxyService"]) {
        assert.strictEqual(countOf(result, `modproxy:components:${component}`), 1, component);
      }
      // prod's replica region has a log bucket of its own.
      assert.strictEqual(countOf(result, "modproxy:components:LogBucket"), result === prod ? 2 : 1);
      for (const type of [
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:lb/loadBalancer:LoadBalancer",
        "kubernetes:apps/v1:Deployment",
        "pulumi:providers:kubernetes",
      ]) {
        assert.strictEqual(countOf(result, type), 1, type);
      }
      assert.strictEqual(countOf(result, "aws:lb/listener:Listener"), 2);
      // The module cache, and the bucket its access logs and the load balancer's go to; in prod their replicas too.
      assert.strictEqual(countOf(result, "aws:s3/bucket:Bucket"), result === prod ? 4 : 2);
      assert.strictEqual(countOf(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy"), 2);
    }
  });

  it("ships the dashboard the stacks ask for, and the alerting rules where asked, in the proxy's namespace after it", async () => {
    const withAlerts = await synthesize("dev", {
      config: { "modproxy:monitoring": "dashboard,alerts", "modproxy:monitoringLabels": "release=prom", "modproxy:namespace": "goproxy" },
    });
    const without = await synthesize("dev", { config: { "modproxy:monitoring": "" } });
    for (const result of [dev, prod, withAlerts]) {
      const monitoring = one(result, "modproxy:components:Monitoring");
      const dashboard = ofType(result, "kubernetes:core/v1:ConfigMap").find((c) => c.parent === monitoring.urn);
      assert.ok(dashboard, "a dashboard ConfigMap");
      assert.strictEqual(at(dashboard, "metadata.namespace"), at(one(result, "kubernetes:core/v1:Namespace"), "metadata.name"));
      assert.strictEqual(at(dashboard, "metadata.labels.grafana_dashboard"), "1");
      assert.ok(dashboard.propertyDependencies["metadata"]?.includes(one(result, "kubernetes:core/v1:Namespace").urn), "created after the namespace");
    }
    for (const result of [dev, prod]) assert.strictEqual(countOf(result, "kubernetes:monitoring.coreos.com/v1:PrometheusRule"), 0);
    const rule = one(withAlerts, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.deepStrictEqual([at(rule, "metadata.namespace"), at(rule, "metadata.labels.release")], ["goproxy", "prom"]);
    assert.strictEqual(countOf(without, "modproxy:components:Monitoring"), 0);
  });

  it("scrapes the pods over HTTPS with a PodMonitor where asked, admitting the scraper's namespace to them", async () => {
    const scraped = await synthesize("prod", {
      config: { "modproxy:monitoring": "dashboard,alerts,scrape", "modproxy:metricsScraperNamespaces": "monitoring" },
    });
    const named = (result: SynthesisResult, type: string, suffix: string) =>
      one(result, type, `${one(result, "modproxy:components:ProxyService").name}${suffix}`);
    const caOf = (secret: SynthesizedResource) => (secret.inputs.stringData as Record<string, unknown>)["ca.crt"];
    for (const result of [dev, prod]) {
      assert.strictEqual(countOf(result, "kubernetes:monitoring.coreos.com/v1:PodMonitor"), 0);
      assert.strictEqual((at(named(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "-allow"), "spec.ingress") as unknown[]).length, 1);
      assert.strictEqual(caOf(named(result, "kubernetes:core/v1:Secret", "-serving-tls")), undefined, "the Secret stays as it was");
    }
    const monitor = one(scraped, "kubernetes:monitoring.coreos.com/v1:PodMonitor");
    const deployment = one(scraped, "kubernetes:apps/v1:Deployment");
    assert.deepStrictEqual(at(monitor, "spec.selector.matchLabels"), at(deployment, "spec.template.metadata.labels"));
    assert.strictEqual(at(monitor, "metadata.namespace"), at(deployment, "metadata.namespace"));
    const endpoint = at(monitor, "spec.podMetricsEndpoints.0") as {
      scheme: string;
      tlsConfig: { ca: { secret: { name: string; key: string } }; serverName: string };
    };
    // The name the pods' certificate was issued for, by the backend CA the Secret carries.
    const request = named(scraped, "tls:index/certRequest:CertRequest", "-backend-csr");
    assert.deepStrictEqual([endpoint.scheme, endpoint.tlsConfig.serverName], ["https", (request.inputs.dnsNames as string[])[0]]);
    const tlsSecret = named(scraped, "kubernetes:core/v1:Secret", "-serving-tls");
    assert.deepStrictEqual(endpoint.tlsConfig.ca.secret, { name: (tlsSecret.outputs.metadata as { name: string }).name, key: "ca.crt" });
    const backendCa = named(scraped, "tls:index/selfSignedCert:SelfSignedCert", "-backend-ca").outputs.certPem;
    assert.ok(typeof backendCa === "string" && backendCa.includes("CERTIFICATE"), String(backendCa));
    assert.strictEqual(caOf(tlsSecret), backendCa);
    assert.deepStrictEqual(at(named(scraped, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "-allow"), "spec.ingress.1"), {
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
      ports: [{ protocol: "TCP", port: 3000 }],
    });
  });

  it("sends the load balancer's access logs and the cache's server access logs to the log bucket", () => {
    for (const result of [dev, prod]) {
      const logBucket = one(result, "aws:s3/bucket:Bucket", `${result.resources.find((r) => r.type === "modproxy:components:LogBucket")?.name}-logs`);
      const alb = one(result, "aws:lb/loadBalancer:LoadBalancer");
      assert.deepStrictEqual(alb.inputs.accessLogs, { bucket: logBucket.id, prefix: "alb", enabled: true });
      const logging = one(result, "aws:s3/bucketLogging:BucketLogging", `${one(result, "modproxy:components:ModuleStorage").name}-access-logging`);
      assert.deepStrictEqual([logging.inputs.targetBucket, logging.inputs.targetPrefix], [logBucket.id, "s3/"]);
      assert.ok(alb.propertyDependencies.accessLogs.includes(one(result, "aws:s3/bucketPolicy:BucketPolicy", `${logBucket.name}-policy`).urn));
    }
  });

  it("encrypts up to the pods: the load balancer forwards HTTPS to a proxy serving a certificate of the stack's backend CA", () => {
    for (const result of [dev, prod]) {
      const targets = one(result, "aws:lb/targetGroup:TargetGroup");
      assert.deepStrictEqual([targets.inputs.protocol, at(targets, "healthCheck.protocol")], ["HTTPS", "HTTPS"]);
      const certificates = one(result, "modproxy:components:Certificates").name;
      const backend = one(result, "tls:index/locallySignedCert:LocallySignedCert", `${certificates}-backend`);
      const ca = one(result, "tls:index/selfSignedCert:SelfSignedCert", `${certificates}-backend-ca`);
      assert.deepStrictEqual([backend.inputs.caCertPem, ca.inputs.isCaCertificate], [ca.outputs.certPem, true]);
      const secret = ofType(result, "kubernetes:core/v1:Secret").find((s) => s.name.endsWith("-serving-tls"));
      assert.strictEqual((secret?.inputs.stringData as Record<string, string>)["tls.crt"], backend.outputs.certPem);
      assert.strictEqual(result.outputs.backendCaCertificatePem, ca.outputs.certPem);
    }
  });

  it("sends HSTS from the HTTPS listener in dev and prod", () => {
    for (const result of [dev, prod]) {
      const https = one(result, "aws:lb/listener:Listener", `${one(result, "modproxy:components:LoadBalancer").name}-https`);
      assert.strictEqual(https.inputs.routingHttpResponseStrictTransportSecurityHeaderValue, "max-age=31536000; includeSubDomains");
    }
  });

  it("replicates prod's module cache to eu-central-1 for disaster recovery, and not dev's", () => {
    assert.deepStrictEqual(ofType(dev, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"), []);
    assert.strictEqual(dev.outputs.replicaBucketName, undefined);
    const replication = one(prod, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
    const storage = one(prod, "modproxy:components:ModuleStorage").name;
    assert.strictEqual(replication.inputs.bucket, one(prod, "aws:s3/bucket:Bucket", `${storage}-bucket`).id);
    const replica = one(prod, "aws:s3/bucket:Bucket", `${storage}-replica-bucket`);
    assert.strictEqual(at(replication, "rules.0.destination.bucket"), replica.outputs.arn);
    const provider = ofType(prod, "pulumi:providers:aws").find((p) => p.urn === replica.provider);
    assert.strictEqual(provider?.inputs.region, "eu-central-1");
    assert.strictEqual(prod.outputs.replicaBucketName, replica.id);
  });

  it("spreads prod over three zones with a NAT gateway each, dev over two with one", () => {
    assert.deepStrictEqual([countOf(dev, "aws:ec2/subnet:Subnet"), countOf(dev, "aws:ec2/natGateway:NatGateway")], [4, 1]);
    assert.deepStrictEqual([countOf(prod, "aws:ec2/subnet:Subnet"), countOf(prod, "aws:ec2/natGateway:NatGateway")], [6, 3]);
  });

  it("gives the proxy, in dev and prod, an environment its own loader accepts", () => {
    for (const result of [dev, prod]) {
      const proxy = one(result, "modproxy:components:ProxyService");
      const settings = ofType(result, "kubernetes:core/v1:ConfigMap").filter((c) => c.parent === proxy.urn);
      assert.strictEqual(settings.length, 1);
      const data = at(settings[0], "data") as Record<string, string>;
      const cache = one(result, "aws:s3/bucket:Bucket", `${one(result, "modproxy:components:ModuleStorage").name}-bucket`);
      assert.strictEqual(loadConfig(data).s3Bucket, cache.id, "the bucket the stack made");
    }
  });

  it("runs more replicas in prod, counted by the autoscaler alone", () => {
    assert.strictEqual(at(one(dev, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"), "spec.minReplicas"), 1);
    assert.strictEqual(at(one(prod, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"), "spec.minReplicas"), 3);
    for (const result of [dev, prod]) assert.strictEqual(at(one(result, "kubernetes:apps/v1:Deployment"), "spec.replicas"), undefined);
  });

  it("keeps the dev load balancer internal and puts prod's on the internet behind client ranges", () => {
    assert.strictEqual(one(dev, "aws:lb/loadBalancer:LoadBalancer").inputs.internal, true);
    const prodAlb = one(prod, "aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual([prodAlb.inputs.internal, prodAlb.inputs.enableDeletionProtection], [false, true]);
    const ingress = at(one(prod, "aws:ec2/securityGroup:SecurityGroup", "modproxy-prod-sg"), "ingress") as { cidrBlocks: string[] }[];
    assert.deepStrictEqual(ingress[0].cidrBlocks, ["203.0.113.0/24", "198.51.100.0/24"]);
  });

  it("puts an internet-facing load balancer in the public subnets, an internal one in the private ones, and admits exactly their ranges to the pods", () => {
    for (const [result, isPublic] of [
      [prod, true],
      [dev, false],
    ] as const) {
      const loadBalancer = one(result, "aws:lb/loadBalancer:LoadBalancer");
      assert.strictEqual(loadBalancer.inputs.internal, !isPublic);
      const placed = (loadBalancer.inputs.subnets as string[]).map((id) => byId(result, "aws:ec2/subnet:Subnet", id));
      const tier = ofType(result, "aws:ec2/subnet:Subnet").filter((subnet) => isPublicSubnet(result, subnet) === isPublic);
      assert.deepStrictEqual(
        placed.map((subnet) => subnet.urn),
        tier.map((subnet) => subnet.urn),
      );
      const allow = one(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `${one(result, "modproxy:components:ProxyService").name}-allow`);
      const admitted = (at(allow, "spec.ingress.0.from") as { ipBlock: { cidr: string } }[]).map((peer) => peer.ipBlock.cidr);
      assert.deepStrictEqual(
        admitted,
        placed.map((subnet) => subnet.inputs.cidrBlock),
      );
    }
  });

  it("gives the proxy's service account the storage role through EKS Pod Identity by default, and admits the agent", async () => {
    const renamed = await synthesize("dev", { config: { "modproxy:namespace": "goproxy" } });
    for (const result of [dev, prod, renamed]) {
      const namespace = String(at(one(result, "kubernetes:core/v1:Namespace"), "metadata.name"));
      const serviceAccount = one(result, "kubernetes:core/v1:ServiceAccount");
      const association = one(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
      const cluster = one(result, "aws:eks/cluster:Cluster");
      const [role, ...others] = ofType(result, "aws:iam/role:Role").filter((r) => r.outputs.arn === association.inputs.roleArn);
      assert.deepStrictEqual(others, []);
      assert.deepStrictEqual(
        [association.inputs.clusterName, association.inputs.namespace, association.inputs.serviceAccount],
        [cluster.outputs.name, namespace, at(serviceAccount, "metadata.name")],
      );
      assert.deepStrictEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals, {
        "aws:RequestTag/eks-cluster-name": cluster.outputs.name,
        "aws:RequestTag/kubernetes-namespace": namespace,
        "aws:RequestTag/kubernetes-service-account": at(serviceAccount, "metadata.name"),
      });
      assert.strictEqual(at(serviceAccount, "metadata.annotations"), undefined);
      assert.strictEqual(
        one(result, "aws:eks/addon:Addon", `${one(result, "modproxy:components:Cluster").name}-pod-identity-agent`).inputs.addonName,
        "eks-pod-identity-agent",
      );
      const allow = one(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `${one(result, "modproxy:components:ProxyService").name}-allow`);
      assert.ok(JSON.stringify(at(allow, "spec.egress")).includes('"cidr":"169.254.170.23/32"'));
    }
    assert.strictEqual(at(one(renamed, "kubernetes:core/v1:Namespace"), "metadata.name"), "goproxy");
  });

  it("with modproxy:podCredentials irsa, annotates the service account with the storage role's ARN, and the role trusts exactly that service account", async () => {
    const irsa = { "modproxy:podCredentials": "irsa" };
    const renamed = await synthesize("dev", { config: { ...irsa, "modproxy:namespace": "goproxy" } });
    for (const result of [await synthesize("dev", { config: irsa }), await synthesize("prod", { config: irsa }), renamed]) {
      assert.deepStrictEqual(ofType(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation"), []);
      assert.ok(!ofType(result, "aws:eks/addon:Addon").some((addon) => addon.inputs.addonName === "eks-pod-identity-agent"));
      const namespace = String(at(one(result, "kubernetes:core/v1:Namespace"), "metadata.name"));
      const serviceAccount = one(result, "kubernetes:core/v1:ServiceAccount");
      assert.strictEqual(at(serviceAccount, "metadata.namespace"), namespace);
      assert.strictEqual(at(one(result, "kubernetes:apps/v1:Deployment"), "spec.template.spec.serviceAccountName"), at(serviceAccount, "metadata.name"));
      const role = ofType(result, "aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes("sts:AssumeRoleWithWebIdentity"));
      assert.ok(role, "an IRSA role exists");
      assert.strictEqual((at(serviceAccount, "metadata.annotations") as Record<string, string>)["eks.amazonaws.com/role-arn"], role.outputs.arn);
      const oidc = one(result, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
      const issuer = String(oidc.inputs.url).replace(/^https:\/\//, "");
      const [statement] = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement;
      assert.deepStrictEqual(statement.Principal, { Federated: oidc.outputs.arn });
      assert.deepStrictEqual(statement.Condition.StringEquals, {
        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${String(at(serviceAccount, "metadata.name"))}`,
        [`${issuer}:aud`]: "sts.amazonaws.com",
      });
    }
    assert.strictEqual(at(one(renamed, "kubernetes:core/v1:Namespace"), "metadata.name"), "goproxy");
  });

  it("uses the private CA in dev and a DNS-validated ACM certificate in prod", () => {
    // Besides the pods' certificate, which both stacks issue.
    assert.strictEqual(countOf(dev, "tls:index/locallySignedCert:LocallySignedCert"), 2);
    assert.strictEqual(countOf(dev, "aws:acm/certificateValidation:CertificateValidation"), 0);
    assert.strictEqual(countOf(prod, "tls:index/locallySignedCert:LocallySignedCert"), 1);
    assert.strictEqual(countOf(prod, "aws:acm/certificateValidation:CertificateValidation"), 1);
  });

  it("names dev's load balancer in a private hosted zone when one is given with the private CA", async () => {
    assert.deepStrictEqual(ofType(dev, "aws:route53/record:Record"), []);
    const zoned = await synthesize("dev", { config: { "modproxy:hostedZoneId": "Z0PRIVATEZONE" } });
    const alias = one(zoned, "aws:route53/record:Record");
    assert.deepStrictEqual([alias.inputs.zoneId, alias.inputs.name, alias.inputs.type], ["Z0PRIVATEZONE", "goproxy.dev.example.com", "A"]);
    assert.strictEqual(at(alias, "aliases.0.name"), one(zoned, "aws:lb/loadBalancer:LoadBalancer").outputs.dnsName);
    assert.deepStrictEqual(
      [countOf(zoned, "tls:index/locallySignedCert:LocallySignedCert"), countOf(zoned, "aws:acm/certificateValidation:CertificateValidation")],
      [2, 0],
    );
  });

  it("lets dev deploy through a public API endpoint limited to the office, prod only through the private one from its deployer network", () => {
    const devCluster = one(dev, "aws:eks/cluster:Cluster");
    assert.deepStrictEqual([at(devCluster, "vpcConfig.endpointPublicAccess"), at(devCluster, "vpcConfig.publicAccessCidrs")], [true, ["203.0.113.0/24"]]);
    const prodCluster = one(prod, "aws:eks/cluster:Cluster");
    assert.deepStrictEqual([at(prodCluster, "vpcConfig.endpointPublicAccess"), at(prodCluster, "vpcConfig.endpointPrivateAccess")], [false, true]);
    const apiAccess = ofType(prod, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((rule) => rule.inputs.fromPort === 443);
    const { clusterSecurityGroupId } = prodCluster.outputs.vpcConfig as { clusterSecurityGroupId: string };
    assert.deepStrictEqual(
      apiAccess.map((rule) => [rule.inputs.securityGroupId, rule.inputs.cidrIpv4]),
      [[clusterSecurityGroupId, "10.100.0.0/16"]],
    );
  });

  it("exports the URL, the GOPROXY line, bucket, cluster and client token", () => {
    assert.strictEqual(prod.outputs.url, "https://goproxy.example.com");
    assert.strictEqual(prod.outputs.goproxy, "GOPROXY=https://goproxy.example.com");
    assert.strictEqual(prod.outputs.bucketName, "modproxy-prod-bucket-a1b2c3");
    assert.strictEqual(prod.outputs.clusterName, "modproxy-prod");
    assert.match(String(prod.outputs.clientToken), /^mock-token-/);
    assert.match(String(dev.outputs.caCertificatePem), /BEGIN CERTIFICATE/);
    assert.strictEqual(prod.outputs.caCertificatePem, undefined);
  });

  it("keeps the client token output secret and the others readable", () => {
    for (const result of [dev, prod]) {
      assert.deepStrictEqual(result.secretOutputs, ["clientToken"]);
    }
  });

  it("keeps the token, the VCS credentials, the imported key and the kubeconfig Pulumi secrets", async () => {
    const netrc = "machine git.example.com login bot password s3cret";
    const result = await synthesize("dev", { secrets: { "modproxy:vcsCredentials": netrc } });
    const vcs = one(result, "kubernetes:core/v1:Secret", "modproxy-dev-vcs");
    assert.strictEqual(at(vcs, "stringData.netrc"), netrc);
    const secrets: [SynthesizedResource, string][] = [
      [vcs, "stringData.netrc"],
      [one(result, "kubernetes:core/v1:Secret", "modproxy-dev-tokens"), "stringData.tokens"],
      [one(result, "aws:acm/certificate:Certificate"), "privateKey"],
      [one(result, "kubernetes:core/v1:Secret", "modproxy-dev-serving-tls"), "stringData"],
      [one(result, "pulumi:providers:kubernetes"), "kubeconfig"],
    ];
    for (const [resource, path] of secrets) {
      assert.ok(isSecretAt(resource, path), `${resource.name} ${path}`);
    }
  });

  it("refuses VCS credentials set without --secret", async () => {
    await assert.rejects(
      synthesize("dev", { config: { "modproxy:vcsCredentials": "machine git.example.com login bot password s3cret" } }),
      /modproxy:vcsCredentials must be a secret/,
    );
  });

  it("applies the proxy's Kubernetes objects through the cluster's provider, so renderYamlTo reaches them", async () => {
    const rendered = await synthesize("dev", { config: { "modproxy:renderYamlTo": "manifests" } });
    for (const result of [dev, prod, rendered]) {
      const provider = one(result, "pulumi:providers:kubernetes");
      const components = ["ProxyService", "Monitoring"].map((c) => one(result, `modproxy:components:${c}`).urn);
      const objects = result.resources.filter((r) => r.type.startsWith("kubernetes:"));
      assert.ok(objects.length > 0, "the program creates Kubernetes objects");
      for (const object of objects) {
        assert.ok(components.includes(String(object.parent)), `${object.name} belongs to a component`);
        assert.deepStrictEqual([object.name, object.provider], [object.name, provider.urn]);
      }
    }
    assert.strictEqual(one(rendered, "pulumi:providers:kubernetes").inputs.renderYamlToDirectory, "manifests");
  });

  it("reports invalid overrides as a config error", async () => {
    await assert.rejects(synthesize("prod", { config: { "modproxy:replicas": "1" } }), /modproxy:replicas must be at least 2/);
  });
});
