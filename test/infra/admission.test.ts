import * as assert from "assert";
import { synthesize } from "../../infra/synth";
import { startTestApiServer, TestApiServer } from "../support/kube-apiserver";
import { apiPath, KubeObject, kubeObjects } from "../support/kube-objects";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeLoopbackCertificate } from "../support/tls";

// The stacks' Kubernetes objects, applied to a real kube-apiserver as the
// provider applies them (server-side apply) with strict field validation, so a
// misspelled or misplaced field is refused instead of silently dropped. No
// kubelet or controllers run: the pods the Deployment would make are checked by
// creating its pod template as a Pod with a dry run, which is where the
// namespace's Pod Security `restricted` level is enforced. Each stack gets an
// API server of its own, as each has a cluster of its own.

const FIELD_MANAGER = "pulumi-kubernetes";

interface PodTemplate {
  metadata: Record<string, unknown>;
  spec: { containers: Record<string, unknown>[]; volumes?: Record<string, unknown>[]; [key: string]: unknown };
}

function templateOf(deployment: KubeObject): PodTemplate {
  return structuredClone((deployment.spec as { template: PodTemplate }).template);
}

for (const stack of ["dev", "prod"]) {
  describe(`${stack}'s Kubernetes objects on a real API server`, function () {
    // A cold build of etcd and kube-apiserver when mocha runs without `npm test` (which builds them first).
    this.timeout(20 * 60_000);
    let api: TestApiServer;
    let objects: KubeObject[];
    let deployment: KubeObject;

    before(async () => {
      // The mocks stand a placeholder in for the certificate the stack makes; the API server checks a TLS Secret's PEM.
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-admission-"));
      const { certFile, keyFile } = await makeLoopbackCertificate(dir);
      const pem = { "tls.crt": await fs.readFile(certFile, "utf8"), "tls.key": await fs.readFile(keyFile, "utf8") };
      await fs.rm(dir, { recursive: true, force: true });
      objects = kubeObjects(await synthesize(stack)).map((o) => (o.kind === "Secret" && o.type === "kubernetes.io/tls" ? { ...o, stringData: pem } : o));
      deployment = objects.find((o) => o.kind === "Deployment")!;
      api = await startTestApiServer();
    });
    after(async () => api?.close());

    const apply = (object: KubeObject, dryRun = false) =>
      api.request(
        "PATCH",
        `${apiPath(object)}?fieldManager=${FIELD_MANAGER}&fieldValidation=Strict&force=true${dryRun ? "&dryRun=All" : ""}`,
        object,
        "application/apply-patch+yaml",
      );
    /** The pod the Deployment would make, created with a dry run: admission runs in full, nothing is stored. */
    const createPod = (template: PodTemplate) =>
      api.request("POST", `/api/v1/namespaces/${deployment.metadata.namespace}/pods?dryRun=All&fieldValidation=Strict`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...template.metadata, name: "modproxy-admission-check" },
        spec: template.spec,
      });

    it("admits every object under strict field validation, without a warning", async () => {
      // The stacks ship the dashboard but not the PrometheusRule, whose CRD a bare API server lacks
      // (test/components/monitoring.test.ts and test/monitoring/ check it).
      assert.deepStrictEqual(objects.map((o) => o.kind).sort(), [
        // The proxy's settings, and the Grafana dashboard.
        "ConfigMap",
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Namespace",
        "NetworkPolicy",
        "NetworkPolicy",
        "PodDisruptionBudget",
        // The client tokens and the certificate the proxy serves the load balancer with.
        "Secret",
        "Secret",
        "Service",
        "ServiceAccount",
      ]);
      // The namespace first, as every other object depends on it.
      for (const object of [...objects].sort((a, b) => Number(b.kind === "Namespace") - Number(a.kind === "Namespace"))) {
        const res = await apply(object);
        assert.ok(res.status === 200 || res.status === 201, `${object.kind} ${object.metadata.name}: ${res.status} ${res.body.message}`);
        assert.deepStrictEqual(res.warnings, [], `${object.kind} ${object.metadata.name}`);
      }
    });

    it("enforces Pod Security restricted on the namespace, and the proxy's pods meet it", async () => {
      const namespace = objects.find((o) => o.kind === "Namespace")!;
      const stored = await api.request("GET", apiPath(namespace));
      assert.strictEqual(stored.status, 200);
      assert.strictEqual((stored.body.metadata as KubeObject["metadata"]).labels?.["pod-security.kubernetes.io/enforce"], "restricted");
      const res = await createPod(templateOf(deployment));
      assert.strictEqual(res.status, 201, res.body.message);
      assert.deepStrictEqual(res.warnings, []);
    });

    it("refuses a pod that runs privileged, as root or with a host path", async () => {
      const variants: [string, (t: PodTemplate) => void][] = [
        ["privileged", (t) => Object.assign(t.spec.containers[0].securityContext as object, { privileged: true, allowPrivilegeEscalation: true })],
        ["root", (t) => Object.assign(t.spec.securityContext as object, { runAsNonRoot: false, runAsUser: 0 })],
        ["hostPath", (t) => (t.spec.volumes![0] = { name: "tmp", hostPath: { path: "/tmp" } })],
      ];
      for (const [name, change] of variants) {
        const template = templateOf(deployment);
        change(template);
        const res = await createPod(template);
        assert.strictEqual(res.status, 403, `${name}: ${res.body.message}`);
        assert.match(String(res.body.message), /violates PodSecurity "restricted:latest"/, name);
      }
    });

    it("refuses a misspelled field, which a lenient server would drop, applied or created", async () => {
      const misspelled = structuredClone(deployment);
      const container = (misspelled.spec as { template: PodTemplate }).template.spec.containers[0];
      container.securityContxt = container.securityContext;
      // Server-side apply refuses fields outside the schema whatever the validation level, with a 500.
      const applied = await apply(misspelled, true);
      assert.ok(applied.status >= 400, `${applied.status} ${applied.body.message}`);
      assert.match(String(applied.body.message), /securityContxt: field not declared in schema/);
      const created = await api.request("POST", `${apiPath(misspelled, false)}?dryRun=All&fieldValidation=Strict`, {
        ...misspelled,
        metadata: { ...misspelled.metadata, name: "modproxy-strict-check" },
      });
      assert.strictEqual(created.status, 400, created.body.message);
      assert.match(String(created.body.message), /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.securityContxt"/);
    });

    it("refuses a Deployment whose selector does not select its own pods", async () => {
      const other = structuredClone(deployment);
      (other.spec as { selector: unknown }).selector = { matchLabels: { "app.kubernetes.io/name": "other" } };
      const res = await apply({ ...other, metadata: { ...other.metadata, name: "modproxy-selector-check" } }, true);
      assert.strictEqual(res.status, 422, res.body.message);
      assert.match(String(res.body.message), /`selector` does not match template `labels`/);
    });
  });
}
