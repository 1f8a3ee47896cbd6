import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { ConfigError, parseConfig, runtimeConfigSource } from "../../infra/config";

const MINIMAL: Record<string, string> = {
  "aws:region": "eu-west-1",
  "modproxy:environment": "dev",
  "modproxy:image": "registry.example/modproxy:1.0.0",
  "modproxy:upstream": "https://proxy.example,off",
  "modproxy:domainName": "goproxy.example.com",
  "modproxy:hostedZoneId": "Z123",
};

function parse(overrides: Record<string, string | undefined>, secretKeys: readonly string[] = []) {
  return parseConfig({ values: { ...MINIMAL, ...overrides }, secretKeys });
}

function problemsOf(overrides: Record<string, string | undefined>, secretKeys: readonly string[] = []): readonly string[] {
  try {
    parse(overrides, secretKeys);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("parseConfig", () => {
  it("fills in the documented default of every optional key", () => {
    assert.deepStrictEqual(parse({}), {
      region: "eu-west-1",
      environment: "dev",
      image: "registry.example/modproxy:1.0.0",
      availabilityZones: undefined,
      azCount: 3,
      vpcCidr: "10.0.0.0/16",
      natGateways: "perAz",
      kubernetesVersion: "1.33",
      clusterPublicAccessCidrs: [],
      clusterPrivateAccessCidrs: [],
      nodeInstanceType: "m6i.large",
      nodeMinSize: 2,
      nodeDesiredSize: 3,
      nodeMaxSize: 6,
      replicas: 2,
      maxReplicas: 6,
      upstream: "https://proxy.example,off",
      upstreamTimeout: "30s",
      goPrivate: "",
      goNoProxy: undefined,
      goNoSumDb: undefined,
      goSumDb: undefined,
      verify: undefined,
      fetchDeadline: undefined,
      maxFetches: undefined,
      listTtl: undefined,
      s3Prefix: "modules/",
      noncurrentVersionDays: 30,
      replicaRegion: undefined,
      podCredentials: "podIdentity",
      namespace: "modproxy",
      loadBalancerScheme: "internal",
      clientCidrs: ["10.0.0.0/16"],
      nodePort: 30080,
      domainName: "goproxy.example.com",
      certificateSource: "acm",
      hostedZoneId: "Z123",
      egressCidrs: ["0.0.0.0/0"],
      vcsCredentials: undefined,
      monitoring: [],
      metricsScraperNamespaces: [],
      monitoringLabels: {},
      renderYamlTo: undefined,
    });
  });

  it("reads which monitoring parts to ship and the labels to give them", () => {
    const config = parse({
      "modproxy:monitoring": "dashboard, alerts,dashboard",
      "modproxy:monitoringLabels": "release=kube-prometheus-stack,example.com/team=",
    });
    assert.deepStrictEqual(config.monitoring, ["dashboard", "alerts"]);
    assert.deepStrictEqual(config.monitoringLabels, { release: "kube-prometheus-stack", "example.com/team": "" });
  });

  it("refuses unknown monitoring parts and malformed labels, naming each", () => {
    assert.deepStrictEqual(problemsOf({ "modproxy:monitoring": "dashboard,grafana", "modproxy:monitoringLabels": "release,a=b=c,-x=1,ok=fine" }), [
      'modproxy:monitoring must list some of dashboard, alerts, scrape (got "grafana")',
      'modproxy:monitoringLabels must be key=value Kubernetes labels separated by commas (got "release")',
      'modproxy:monitoringLabels must be key=value Kubernetes labels separated by commas (got "a=b=c")',
      'modproxy:monitoringLabels must be key=value Kubernetes labels separated by commas (got "-x=1")',
    ]);
  });

  it("reads the namespaces of the metrics scraper, once each, for the scrape part", () => {
    const config = parse({ "modproxy:monitoring": "alerts,scrape", "modproxy:metricsScraperNamespaces": "monitoring, prometheus,monitoring" });
    assert.deepStrictEqual(config.monitoring, ["alerts", "scrape"]);
    assert.deepStrictEqual(config.metricsScraperNamespaces, ["monitoring", "prometheus"]);
  });

  it("refuses scraper namespaces that are not DNS-1123 labels, naming each", () => {
    assert.deepStrictEqual(problemsOf({ "modproxy:metricsScraperNamespaces": "monitoring,Prometheus,kube_system,-x" }), [
      'modproxy:metricsScraperNamespaces must list Kubernetes namespaces, DNS-1123 labels (got "Prometheus")',
      'modproxy:metricsScraperNamespaces must list Kubernetes namespaces, DNS-1123 labels (got "kube_system")',
      'modproxy:metricsScraperNamespaces must list Kubernetes namespaces, DNS-1123 labels (got "-x")',
    ]);
  });

  it("refuses the scrape part without scraper namespaces, which the NetworkPolicy would block", () => {
    assert.deepStrictEqual(problemsOf({ "modproxy:monitoring": "scrape" }), [
      "modproxy:monitoring scrape needs modproxy:metricsScraperNamespaces: the namespace's NetworkPolicy would block the scraper (name the Prometheus's namespace)",
    ]);
  });

  it("derives the defaults that follow other keys", () => {
    assert.strictEqual(parse({ "modproxy:replicas": "8" }).maxReplicas, 8);
    assert.deepStrictEqual(parse({ "modproxy:vpcCidr": "10.20.0.0/16" }).clientCidrs, ["10.20.0.0/16"]);
  });

  it("names every key of the project it does not know, and leaves other namespaces alone", () => {
    const problems = problemsOf({ "modproxy:replica": "3", "modproxy:NodePort": "30080", "aws:profile": "dev", "kubernetes:context": "x" });
    assert.deepStrictEqual(problems, [
      "modproxy:replica is not a setting of this project (misspelled?); README.md lists the keys",
      "modproxy:NodePort is not a setting of this project (misspelled?); README.md lists the keys",
    ]);
  });

  it("takes VCS credentials only as a secret", () => {
    const netrc = "machine git.example.com login bot password s3cret";
    assert.deepStrictEqual(problemsOf({ "modproxy:vcsCredentials": netrc }), [
      "modproxy:vcsCredentials must be a secret: set it with `pulumi config set --secret modproxy:vcsCredentials ...` so it is stored encrypted",
    ]);
    assert.strictEqual(parse({ "modproxy:vcsCredentials": netrc }, ["modproxy:vcsCredentials"]).vcsCredentials, netrc);
  });

  it("reads the running stack's values and which of them are secrets", () => {
    pulumi.runtime.setAllConfig({ "modproxy:vcsCredentials": "netrc", "modproxy:replicas": "3" }, ["modproxy:vcsCredentials"]);
    try {
      assert.deepStrictEqual(runtimeConfigSource(), {
        values: { "modproxy:vcsCredentials": "netrc", "modproxy:replicas": "3" },
        secretKeys: ["modproxy:vcsCredentials"],
      });
    } finally {
      pulumi.runtime.setAllConfig({}, []);
    }
  });

  it("names every missing required key in one error", () => {
    const problems = problemsOf({
      "aws:region": undefined,
      "modproxy:image": undefined,
      "modproxy:upstream": "",
      "modproxy:environment": undefined,
      "modproxy:domainName": undefined,
    });
    for (const key of ["aws:region", "modproxy:image", "modproxy:upstream", "modproxy:environment", "modproxy:domainName"]) {
      assert.ok(problems.includes(`${key} is required`), `missing ${key} in ${problems.join("; ")}`);
    }
  });

  it("refuses a Kubernetes API open to the internet, through 0.0.0.0/0 or halves of it", () => {
    for (const key of ["clusterPublicAccessCidrs", "clusterPrivateAccessCidrs"]) {
      for (const wide of ["0.0.0.0/0", "0.0.0.0/1,128.0.0.0/1"]) {
        assert.match(
          problemsOf({ [`modproxy:${key}`]: `203.0.113.0/24,${wide}` }).join(),
          new RegExp(`modproxy:${key} must not contain 0\\.0\\.0\\.0/0 or any range as wide \\(e\\.g\\. 0\\.0\\.0\\.0/1\\)`),
          `${key}=${wide}`,
        );
      }
    }
    assert.deepStrictEqual(parse({ "modproxy:clusterPrivateAccessCidrs": "10.100.0.0/16" }).clusterPrivateAccessCidrs, ["10.100.0.0/16"]);
  });

  it("takes Pod Identity or IRSA for the pods' credentials, and nothing else", () => {
    assert.strictEqual(parse({ "modproxy:podCredentials": "irsa" }).podCredentials, "irsa");
    assert.deepStrictEqual(problemsOf({ "modproxy:podCredentials": "kiam" }), ['modproxy:podCredentials must be one of podIdentity, irsa (got "kiam")']);
  });

  it("takes a replica region other than the stack's own", () => {
    assert.strictEqual(parse({ "modproxy:replicaRegion": "eu-central-1" }).replicaRegion, "eu-central-1");
    assert.deepStrictEqual(problemsOf({ "modproxy:replicaRegion": "Frankfurt" }), [
      'modproxy:replicaRegion must be an AWS region such as eu-central-1 (got "Frankfurt")',
    ]);
    assert.deepStrictEqual(problemsOf({ "aws:region": "eu-west-1", "modproxy:replicaRegion": "eu-west-1" }), [
      "modproxy:replicaRegion must differ from aws:region (eu-west-1): a replica in the same region survives no regional outage",
    ]);
  });

  it("requires two replicas in prod but allows one in dev", () => {
    assert.match(
      problemsOf({ "modproxy:environment": "prod", "modproxy:replicas": "1" }).join(),
      /replicas must be at least 2 when modproxy:environment is prod/,
    );
    assert.strictEqual(parse({ "modproxy:replicas": "1" }).replicas, 1);
  });

  it("rejects plain-HTTP upstreams and what the proxy itself would refuse, and accepts direct", () => {
    assert.match(
      problemsOf({ "modproxy:upstream": "https://a.example|http://b.example" }).join(),
      /must be https:\/\/ URLs, "direct" or "off" \(got "http:\/\/b\.example"\)/,
    );
    assert.strictEqual(parse({ "modproxy:upstream": "https://a.example,direct" }).upstream, "https://a.example,direct");
    assert.match(problemsOf({ "modproxy:upstream": "https://a.example,,https://b.example" }).join(), /modproxy:upstream: .*empty entry/);
  });

  it("refuses, with the proxy's own message, what the proxy would refuse at start", () => {
    for (const [key, value, message] of [
      ["upstreamTimeout", "0s", 'MODPROXY_UPSTREAM_TIMEOUT (--upstream-timeout) = "0s": must be at least 1ms'],
      ["goPrivate", "git.example.com/[", 'GOPRIVATE (--goprivate) = "git.example.com/[": '],
      ["goSumDb", "Sum.Golang.Org", 'GOSUMDB (--gosumdb) = "Sum.Golang.Org": '],
      ["goNoProxy", "\\", 'GONOPROXY (--gonoproxy) = "\\": '],
      ["verify", "sometimes", 'MODPROXY_VERIFY (--verify) = "sometimes": must be "require" or "when-available"'],
      ["fetchDeadline", "forever", 'MODPROXY_FETCH_DEADLINE (--fetch-deadline) = "forever": '],
      ["maxFetches", "0", 'MODPROXY_MAX_FETCHES (--max-fetches) = "0": must be at least 1'],
      ["listTtl", "1d", 'MODPROXY_LIST_TTL (--list-ttl) = "1d": '],
    ]) {
      const problems = problemsOf({ [`modproxy:${key}`]: value });
      assert.strictEqual(problems.length, 1, problems.join("; "));
      assert.ok(problems[0].startsWith(`modproxy:${key}: the proxy would refuse it at start: ${message}`), problems[0]);
    }
  });

  it("hands the proxy's tuning to it as given, leaving the proxy's defaults otherwise", () => {
    const config = parse({ "modproxy:verify": "when-available", "modproxy:fetchDeadline": "20m", "modproxy:maxFetches": "16", "modproxy:listTtl": "5m" });
    assert.deepStrictEqual([config.verify, config.fetchDeadline, config.maxFetches, config.listTtl], ["when-available", "20m", "16", "5m"]);
  });

  it("rejects turning the checksum database off", () => {
    assert.match(problemsOf({ "modproxy:goSumDb": " OFF " }).join(), /goSumDb must not be off/);
  });

  it("rejects malformed values with the offending key", () => {
    const problems = problemsOf({
      "modproxy:replicas": "two",
      "modproxy:natGateways": "none",
      "modproxy:vpcCidr": "8.8.0.0/16",
      "modproxy:upstreamTimeout": "30 seconds",
      "modproxy:availabilityZones": "eu-west-1a",
      "modproxy:clientCidrs": "10.0.0.1/8",
      "modproxy:s3Prefix": "/abs",
      "modproxy:nodePort": "80",
    }).join("\n");
    for (const key of ["replicas", "natGateways", "vpcCidr", "upstreamTimeout", "availabilityZones", "clientCidrs", "s3Prefix", "nodePort"]) {
      assert.match(problems, new RegExp(`modproxy:${key}`));
    }
  });

  it("admits internet-wide clients only on an internet-facing load balancer", () => {
    for (const wide of ["0.0.0.0/0", "0.0.0.0/1"]) {
      assert.match(
        problemsOf({ "modproxy:clientCidrs": wide }).join(),
        /clientCidrs must not contain 0\.0\.0\.0\/0 or any range as wide .* unless .* internet-facing/,
      );
      assert.deepStrictEqual(parse({ "modproxy:clientCidrs": wide, "modproxy:loadBalancerScheme": "internet-facing" }).clientCidrs, [wide]);
    }
  });

  it("needs a hosted zone for ACM certificates but not for the private CA", () => {
    assert.match(problemsOf({ "modproxy:hostedZoneId": undefined }).join(), /hostedZoneId is required/);
    assert.strictEqual(parse({ "modproxy:hostedZoneId": undefined, "modproxy:certificateSource": "private-ca" }).hostedZoneId, undefined);
  });

  it("requires a pinned image in prod", () => {
    for (const image of ["registry.example/modproxy", "registry.example/modproxy:latest", "registry:5000/modproxy"]) {
      assert.match(problemsOf({ "modproxy:environment": "prod", "modproxy:image": image }).join(), /modproxy:image must be pinned/, image);
    }
    assert.strictEqual(parse({ "modproxy:environment": "prod", "modproxy:image": `r.example/m@sha256:${"a".repeat(64)}` }).environment, "prod");
    assert.strictEqual(parse({ "modproxy:image": "registry.example/modproxy:latest" }).environment, "dev");
  });

  it("rejects zones of another region", () => {
    assert.match(problemsOf({ "modproxy:availabilityZones": "eu-west-1a,us-east-1b" }).join(), /must be zones of eu-west-1 \(got us-east-1b\)/);
  });

  it("checks node group sizes against each other", () => {
    assert.match(problemsOf({ "modproxy:nodeMinSize": "4", "modproxy:nodeDesiredSize": "3" }).join(), /nodeMinSize <= nodeDesiredSize <= nodeMaxSize/);
  });
});
