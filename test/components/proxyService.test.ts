import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { ProxyService, ProxyServiceArgs } from "../../components/proxyService";
import { loadConfig, SETTINGS } from "../../proxy-app/src/config";
import { runOffline } from "../../infra/offlineRun";
import { assertParentedToComponent, at, isSecretAt, ofType, one, synthesizeComponent } from "../infra/resources";

const ARGS: ProxyServiceArgs = {
  namespace: "modproxy",
  serviceAccountName: "modproxy",
  image: "registry.example/modproxy:1",
  replicas: 3,
  maxReplicas: 9,
  podCredentials: { kind: "irsa", roleArn: "arn:aws:iam::123456789012:role/proxy" },
  settings: {
    upstream: "https://a.example,direct",
    upstreamTimeout: "30s",
    bucketName: "cache-bucket",
    s3Prefix: "modules/",
    region: "eu-west-1",
    goPrivate: "git.example.com/*",
  },
  vcsCredentials: "machine git.example.com login bot password s3cret",
  nodePort: 30080,
  loadBalancerCidrs: ["10.0.0.0/20"],
  vpcCidr: "10.0.0.0/16",
  s3Cidrs: ["52.216.0.0/15"],
};

describe("ProxyService", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new ProxyService("p", ARGS)));
  });

  it("runs hardened, zone-spread pods with probes and resources", async () => {
    const deployment = one(await synthesizeComponent(() => new ProxyService("p", ARGS)), "kubernetes:apps/v1:Deployment");
    assert.strictEqual(at(deployment, "spec.template.spec.securityContext.runAsNonRoot"), true);
    assert.strictEqual(at(deployment, "spec.template.spec.securityContext.seccompProfile.type"), "RuntimeDefault");
    const container = at(deployment, "spec.template.spec.containers.0") as Record<string, Record<string, unknown>>;
    assert.deepStrictEqual(container.securityContext, {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.strictEqual(at(deployment, "spec.template.spec.containers.0.livenessProbe.httpGet.path"), "/healthz");
    assert.strictEqual(at(deployment, "spec.template.spec.containers.0.readinessProbe.httpGet.path"), "/readyz");
    assert.deepStrictEqual(at(deployment, "spec.template.spec.containers.0.resources"), {
      requests: { cpu: "250m", memory: "512Mi", "ephemeral-storage": "1Gi" },
      limits: { memory: "1Gi", "ephemeral-storage": "4Gi" },
    });
    assert.strictEqual(at(deployment, "spec.template.spec.topologySpreadConstraints.0.topologyKey"), "topology.kubernetes.io/zone");
    assert.deepStrictEqual(at(deployment, "spec.template.spec.volumes.0"), { name: "tmp", emptyDir: { sizeLimit: "1Gi" } });
  });

  it("enforces the restricted pod security standard on its namespace and mounts no Kubernetes API token", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", ARGS));
    const labels = at(one(result, "kubernetes:core/v1:Namespace"), "metadata.labels") as Record<string, string>;
    assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert.strictEqual(one(result, "kubernetes:core/v1:ServiceAccount").inputs.automountServiceAccountToken, false);
    assert.strictEqual(at(one(result, "kubernetes:apps/v1:Deployment"), "spec.template.spec.automountServiceAccountToken"), false);
  });

  it("mounts the token and VCS Secrets read-only, readable by the proxy's group alone", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", ARGS));
    const deployment = one(result, "kubernetes:apps/v1:Deployment");
    const mounts = at(deployment, "spec.template.spec.containers.0.volumeMounts") as { name: string; mountPath: string; readOnly?: boolean }[];
    assert.deepStrictEqual(
      mounts.map((m) => [m.name, m.mountPath, m.readOnly]),
      [
        ["tmp", "/tmp", undefined],
        ["spool", "/var/spool/modproxy", undefined],
        ["client-tokens", "/etc/modproxy/tokens", true],
        ["vcs-credentials", "/etc/modproxy/vcs", true],
      ],
    );
    const volumes = at(deployment, "spec.template.spec.volumes") as { name: string; secret?: { secretName: string; defaultMode: number } }[];
    const secretName = (name: string) => (one(result, "kubernetes:core/v1:Secret", name).outputs.metadata as { name: string }).name;
    assert.deepStrictEqual(
      volumes.slice(2).map((v) => [v.name, v.secret?.secretName, v.secret?.defaultMode]),
      [
        ["client-tokens", secretName("p-tokens"), 0o440],
        ["vcs-credentials", secretName("p-vcs"), 0o440],
      ],
    );
  });

  it("leaves out the VCS Secret, its mount and its setting without VCS credentials", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", { ...ARGS, vcsCredentials: undefined }));
    assert.deepStrictEqual(
      ofType(result, "kubernetes:core/v1:Secret").map((s) => s.name),
      ["p-tokens"],
    );
    const deployment = one(result, "kubernetes:apps/v1:Deployment");
    const mounts = at(deployment, "spec.template.spec.containers.0.volumeMounts") as { name: string }[];
    const volumes = at(deployment, "spec.template.spec.volumes") as { name: string }[];
    assert.deepStrictEqual(
      [mounts.map((m) => m.name), volumes.map((v) => v.name)],
      [
        ["tmp", "spool", "client-tokens"],
        ["tmp", "spool", "client-tokens"],
      ],
    );
    assert.ok(!("MODPROXY_VCS_CREDENTIALS_FILE" in (at(one(result, "kubernetes:core/v1:ConfigMap"), "data") as object)));
  });

  it("refuses fewer than one replica or a ceiling below the floor", async () => {
    for (const [replicas, maxReplicas] of [
      [0, 3],
      [3, 2],
    ]) {
      await assert.rejects(
        synthesizeComponent(() => new ProxyService("p", { ...ARGS, replicas, maxReplicas })),
        new RegExp(`need 1 <= replicas <= maxReplicas \\(got ${replicas}, ${maxReplicas}\\)`),
      );
    }
  });

  it("with IRSA, annotates the service account with the role and configures the proxy through its environment", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", ARGS));
    assert.deepStrictEqual(at(one(result, "kubernetes:core/v1:ServiceAccount"), "metadata.annotations"), {
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/proxy",
    });
    assert.strictEqual(at(one(result, "kubernetes:apps/v1:Deployment"), "spec.template.metadata.annotations.modproxy/pod-credentials"), "irsa");
    const settings = one(result, "kubernetes:core/v1:ConfigMap");
    assert.strictEqual(at(settings, "metadata.name"), undefined, "autonamed, so a changed setting rolls the pods");
    assert.strictEqual(at(one(result, "kubernetes:apps/v1:Deployment"), "spec.template.spec.containers.0.envFrom.0.configMapRef.name"), "p-settings-5x7k2m9q");
    assert.deepStrictEqual(settings.inputs.data, {
      PORT: "3000",
      MODPROXY_UPSTREAM: "https://a.example,direct",
      MODPROXY_UPSTREAM_TIMEOUT: "30s",
      MODPROXY_STORAGE: "s3",
      MODPROXY_S3_BUCKET: "cache-bucket",
      MODPROXY_S3_PREFIX: "modules/",
      AWS_REGION: "eu-west-1",
      GOPRIVATE: "git.example.com/*",
      MODPROXY_SPOOL_DIR: "/var/spool/modproxy",
      MODPROXY_AUTH_TOKENS_FILE: "/etc/modproxy/tokens/tokens",
      MODPROXY_VCS_CREDENTIALS_FILE: "/etc/modproxy/vcs/netrc",
    });
  });

  it("hands the proxy only settings it reads, by the names in its own table, and it loads them", async () => {
    const tuned = { ...ARGS.settings, goSumDb: "sum.golang.org", verify: "when-available", fetchDeadline: "20m", maxFetches: "16", listTtl: "5m" };
    const data = at(
      one(await synthesizeComponent(() => new ProxyService("p", { ...ARGS, settings: tuned })), "kubernetes:core/v1:ConfigMap"),
      "data",
    ) as Record<string, string>;
    const proxyNames = new Set(SETTINGS.map((s) => s.env));
    assert.deepStrictEqual(
      Object.keys(data).filter((name) => !proxyNames.has(name)),
      ["AWS_REGION"],
      "everything else is a setting the proxy reads",
    );
    const config = loadConfig(data);
    assert.deepStrictEqual(
      [config.goSumDb, config.verify, config.fetchDeadlineMs, config.maxFetches, config.listTtlMs, config.spoolDir],
      ["sum.golang.org", "when-available", 1_200_000, 16, 300_000, "/var/spool/modproxy"],
    );
  });

  it("gives the spool a writable volume of its own, as the root file system is read-only", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", ARGS));
    const deployment = one(result, "kubernetes:apps/v1:Deployment");
    const spoolDir = (at(one(result, "kubernetes:core/v1:ConfigMap"), "data") as Record<string, string>).MODPROXY_SPOOL_DIR;
    const mounts = at(deployment, "spec.template.spec.containers.0.volumeMounts") as { name: string; mountPath: string; readOnly?: boolean }[];
    const mount = mounts.find((m) => m.mountPath === spoolDir);
    assert.ok(mount && !mount.readOnly, `a writable mount at ${spoolDir}`);
    const volumes = at(deployment, "spec.template.spec.volumes") as { name: string; emptyDir?: object }[];
    assert.deepStrictEqual(volumes.find((v) => v.name === mount.name)?.emptyDir, { sizeLimit: "2Gi" });
  });

  it("keeps the generated client token and the VCS credentials in Secrets, as Pulumi secrets", async () => {
    const result = await runOffline({ stack: "test", region: "eu-west-1" }, () => ({ clientToken: new ProxyService("p", ARGS).clientToken }));
    assert.strictEqual(one(result, "random:index/randomPassword:RandomPassword").inputs.length, 48);
    const tokens = one(result, "kubernetes:core/v1:Secret", "p-tokens");
    assert.match(String(at(tokens, "stringData.tokens")), /^mock-token-p-client-token\w+\n$/);
    const vcs = one(result, "kubernetes:core/v1:Secret", "p-vcs");
    assert.strictEqual(at(vcs, "stringData.netrc"), ARGS.vcsCredentials);
    assert.ok(isSecretAt(tokens, "stringData.tokens") && isSecretAt(vcs, "stringData.netrc"), "Secret data is encrypted in the stack's state");
    assert.deepStrictEqual(result.secretOutputs, ["clientToken"]);
  });

  it("keeps pods through disruptions and autoscales between replicas and maxReplicas", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", ARGS));
    assert.strictEqual(at(one(result, "kubernetes:policy/v1:PodDisruptionBudget"), "spec.maxUnavailable"), 1);
    const hpa = one(result, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    assert.deepStrictEqual([at(hpa, "spec.minReplicas"), at(hpa, "spec.maxReplicas")], [3, 9]);
    const deployment = one(result, "kubernetes:apps/v1:Deployment");
    assert.deepStrictEqual(at(hpa, "spec.scaleTargetRef"), { apiVersion: "apps/v1", kind: "Deployment", name: at(deployment, "metadata.name") });
    assert.ok(!("replicas" in (at(deployment, "spec") as object)), "the autoscaler alone sets the replica count, so `pulumi up` never resets it");
    const service = one(result, "kubernetes:core/v1:Service");
    assert.deepStrictEqual(
      [at(service, "spec.type"), at(service, "spec.ports.0.nodePort"), at(service, "spec.externalTrafficPolicy")],
      ["NodePort", 30080, "Local"],
    );
  });

  it("denies all traffic but the load balancer in and DNS, AWS and HTTPS upstreams out", async () => {
    const result = await synthesizeComponent(() => new ProxyService("p", ARGS));
    assert.deepStrictEqual(one(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "p-default-deny").inputs.spec, {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    const allow = one(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "p-allow");
    assert.deepStrictEqual(at(allow, "spec.ingress"), [{ from: [{ ipBlock: { cidr: "10.0.0.0/20" } }], ports: [{ protocol: "TCP", port: 3000 }] }]);
    const egress = at(allow, "spec.egress") as { to: { ipBlock?: unknown }[]; ports: { port: number }[] }[];
    assert.deepStrictEqual(
      egress[0].ports.map((p) => p.port),
      [53, 53],
    );
    assert.deepStrictEqual(
      egress.slice(1).map((rule) => rule.to.map((peer) => peer.ipBlock)),
      [[{ cidr: "10.0.0.0/16" }], [{ cidr: "52.216.0.0/15" }], [{ cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] }]],
    );
    assert.ok(egress.slice(1).every((rule) => rule.ports.every((p) => p.port === 443)));
  });

  it("admits the metrics scraper's namespaces, one peer each, on the proxy's port alone", async () => {
    const allow = one(
      await synthesizeComponent(() => new ProxyService("p", { ...ARGS, metricsScraperNamespaces: ["monitoring", "prometheus"] })),
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "p-allow",
    );
    assert.deepStrictEqual(at(allow, "spec.ingress"), [
      { from: [{ ipBlock: { cidr: "10.0.0.0/20" } }], ports: [{ protocol: "TCP", port: 3000 }] },
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prometheus" } } },
        ],
        ports: [{ protocol: "TCP", port: 3000 }],
      },
    ]);
    const none = one(
      await synthesizeComponent(() => new ProxyService("p", { ...ARGS, metricsScraperNamespaces: [] })),
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "p-allow",
    );
    assert.strictEqual((at(none, "spec.ingress") as unknown[]).length, 1);
  });

  it("exposes the labels its Deployment gives the pods and selects them by", async () => {
    let podLabels: Readonly<Record<string, string>> = {};
    const deployment = one(
      await synthesizeComponent(() => {
        podLabels = new ProxyService("p", ARGS).podLabels;
      }),
      "kubernetes:apps/v1:Deployment",
    );
    assert.deepStrictEqual(at(deployment, "spec.template.metadata.labels"), podLabels);
    assert.deepStrictEqual(at(deployment, "spec.selector.matchLabels"), podLabels);
  });

  it("keeps the serving CA in the TLS Secret as ca.crt when given, and names where it is", async () => {
    const servingCertificate = { certificatePem: "cert", privateKeyPem: "key", caCertificatePem: "-----BEGIN CERTIFICATE-----\nca\n" };
    let servingCa: ProxyService["servingCa"];
    const result = await synthesizeComponent(() => {
      servingCa = new ProxyService("p", { ...ARGS, servingCertificate }).servingCa;
    });
    const secret = one(result, "kubernetes:core/v1:Secret", "p-serving-tls");
    assert.deepStrictEqual(secret.inputs.stringData, { "tls.crt": "cert", "tls.key": "key", "ca.crt": servingCertificate.caCertificatePem });
    assert.strictEqual(servingCa?.key, "ca.crt");
    const name = await new Promise((resolve) => servingCa?.secretName.apply(resolve));
    assert.strictEqual(name, (secret.outputs.metadata as { name: string }).name);
  });

  it("keeps the metadata service out of every egress range that holds it", async () => {
    const egressCidrs = ["0.0.0.0/1", "128.0.0.0/1", "169.254.0.0/15", "203.0.113.0/24"];
    const allow = one(
      await synthesizeComponent(() => new ProxyService("p", { ...ARGS, egressCidrs })),
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "p-allow",
    );
    assert.deepStrictEqual(at(allow, "spec.egress.3.to"), [
      { ipBlock: { cidr: "0.0.0.0/1" } },
      { ipBlock: { cidr: "128.0.0.0/1", except: ["169.254.0.0/16"] } },
      { ipBlock: { cidr: "169.254.0.0/15", except: ["169.254.0.0/16"] } },
      { ipBlock: { cidr: "203.0.113.0/24" } },
    ]);
  });

  it("serves HTTPS with the given certificate from a TLS Secret, and probes over HTTPS", async () => {
    const servingCertificate = { certificatePem: "-----BEGIN CERTIFICATE-----\nbackend\n", privateKeyPem: "-----BEGIN PRIVATE KEY-----\nbackend\n" };
    const result = await synthesizeComponent(() => new ProxyService("p", { ...ARGS, servingCertificate }));
    const secret = one(result, "kubernetes:core/v1:Secret", "p-serving-tls");
    assert.strictEqual(secret.inputs.type, "kubernetes.io/tls");
    assert.deepStrictEqual(secret.inputs.stringData, { "tls.crt": servingCertificate.certificatePem, "tls.key": servingCertificate.privateKeyPem });
    const data = at(one(result, "kubernetes:core/v1:ConfigMap"), "data") as Record<string, string>;
    assert.deepStrictEqual([data.MODPROXY_TLS_CERT_FILE, data.MODPROXY_TLS_KEY_FILE], ["/etc/modproxy/tls/tls.crt", "/etc/modproxy/tls/tls.key"]);
    const deployment = one(result, "kubernetes:apps/v1:Deployment");
    const mounts = at(deployment, "spec.template.spec.containers.0.volumeMounts") as { name: string; mountPath: string; readOnly?: boolean }[];
    assert.deepStrictEqual(mounts.at(-1), { name: "serving-tls", mountPath: "/etc/modproxy/tls", readOnly: true });
    const volumes = at(deployment, "spec.template.spec.volumes") as { name: string; secret?: { secretName: string; defaultMode: number } }[];
    assert.deepStrictEqual(volumes.at(-1), {
      name: "serving-tls",
      secret: { secretName: (secret.outputs.metadata as { name: string }).name, defaultMode: 0o440 },
    });
    for (const probe of ["livenessProbe", "readinessProbe"]) {
      assert.strictEqual(at(deployment, `spec.template.spec.containers.0.${probe}.httpGet.scheme`), "HTTPS", probe);
    }
    let servingCa: ProxyService["servingCa"] = undefined;
    const plain = one(
      await synthesizeComponent(() => {
        servingCa = new ProxyService("p", ARGS).servingCa;
      }),
      "kubernetes:apps/v1:Deployment",
    );
    assert.strictEqual(servingCa, undefined, "no CA without a serving certificate");
    assert.strictEqual(at(plain, "spec.template.spec.containers.0.readinessProbe.httpGet.scheme"), "HTTP");
  });

  describe("with EKS Pod Identity", () => {
    /** The component next to the association it is given, as the program makes them. */
    const withPodIdentity = () =>
      runOffline({ stack: "test", region: "eu-west-1" }, async () => {
        const association = new aws.eks.PodIdentityAssociation("assoc", {
          clusterName: "mp",
          namespace: "modproxy",
          serviceAccount: "modproxy",
          roleArn: "arn:aws:iam::123456789012:role/proxy",
        });
        new ProxyService("p", { ...ARGS, podCredentials: { kind: "podIdentity", association } });
        return {};
      });

    it("leaves the service account unannotated and starts the pods only once the association exists", async () => {
      const result = await withPodIdentity();
      assert.strictEqual(at(one(result, "kubernetes:core/v1:ServiceAccount"), "metadata.annotations"), undefined);
      const deployment = one(result, "kubernetes:apps/v1:Deployment");
      assert.ok(deployment.dependencies.includes(one(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation").urn));
      // A switch between methods changes the pod template, so the pods restart with the new credentials.
      assert.strictEqual(at(deployment, "spec.template.metadata.annotations.modproxy/pod-credentials"), "podIdentity");
    });

    it("admits the Pod Identity agent on 80 and 2703 and still keeps the rest of the metadata range out", async () => {
      const allow = one(await withPodIdentity(), "kubernetes:networking.k8s.io/v1:NetworkPolicy", "p-allow");
      const egress = at(allow, "spec.egress") as { to: { ipBlock?: { cidr: string; except?: string[] } }[]; ports: { protocol: string; port: number }[] }[];
      assert.deepStrictEqual(egress.at(-1), {
        to: [{ ipBlock: { cidr: "169.254.170.23/32" } }],
        ports: [
          { protocol: "TCP", port: 80 },
          { protocol: "TCP", port: 2703 },
        ],
      });
      assert.deepStrictEqual(at(allow, "spec.egress.3.to"), [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }]);
      const irsa = one(await synthesizeComponent(() => new ProxyService("p", ARGS)), "kubernetes:networking.k8s.io/v1:NetworkPolicy", "p-allow");
      assert.ok(!JSON.stringify(at(irsa, "spec.egress")).includes("169.254.170.23"), "IRSA needs no agent");
    });
  });
});
