import * as assert from "assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig } from "../../infra/config";
import { readStackFile } from "../../infra/stackFile";
import { REPO_ROOT, synthesize } from "../../infra/synth";
import { KubeObject, kubeObjects } from "../support/kube-objects";

// The stacks' Kubernetes objects, written as a manifest, checked offline by
// kubernetes-validate (the schemas of the stack's Kubernetes version, strict:
// no field the schema lacks) and kube-score (workload best practice), both
// installed by scripts/check-tools.js.

const CHECK_TOOLS = path.join(REPO_ROOT, "scripts", "check-tools.js");
const tool = (flag: string) => execFileSync(process.execPath, [CHECK_TOOLS, flag], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();

/** kube-score's critical findings the blueprint keeps on purpose, and why. */
const EXPLAINED: Record<string, string> = {
  // CPU limits throttle a proxy that is busy exactly when clients wait on it; the request reserves its share.
  "container-resources": "CPU limit is not set",
  // Images are pinned (prod requires a tag other than latest, or a digest), so a node's copy is the one asked for.
  "container-image-pull-policy": "ImagePullPolicy is not set to Always",
};

interface ScoredObject {
  object_name: string;
  checks: { check: { id: string }; grade: number; skipped: boolean; comments: { summary: string }[] | null }[];
}

/** kube-score's critical findings: "<object> <check>: <summary>". */
function criticals(manifest: string): string[] {
  const run = spawnSync(tool("--kube-score"), ["score", "--output-format", "json", manifest], { encoding: "utf8" });
  assert.ok(run.status === 0 || run.status === 1, `kube-score failed: ${run.stderr}`);
  const scored = JSON.parse(run.stdout) as ScoredObject[];
  // Grade 1 is kube-score's CRITICAL.
  return scored.flatMap((o) =>
    o.checks
      .filter((c) => !c.skipped && c.grade === 1)
      .flatMap((c) => (c.comments ?? []).map((comment) => `${o.object_name} ${c.check.id}: ${comment.summary}`)),
  );
}

for (const stack of ["dev", "prod"]) {
  describe(`${stack}'s Kubernetes manifest`, function () {
    // kube-score and kubernetes-validate are installed on first use when mocha runs without `npm test`.
    this.timeout(10 * 60_000);
    let dir: string;
    let objects: KubeObject[];
    const write = (name: string, docs: KubeObject[]) => {
      const file = path.join(dir, name);
      // JSON documents are YAML documents, as both tools read them.
      writeFileSync(file, `${docs.map((o) => JSON.stringify(o)).join("\n---\n")}\n`);
      return file;
    };

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), "modproxy-manifests-"));
      objects = kubeObjects(await synthesize(stack));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("passes kubernetes-validate --strict for the stack's Kubernetes version", () => {
      const config = parseConfig(readStackFile(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`)));
      const args = ["-m", "kubernetes_validate", "--strict", "--quiet", "--kubernetes-version", `${config.kubernetesVersion}.0`, write("stack.yaml", objects)];
      const run = spawnSync(tool("--kubernetes-validate-python"), args, { encoding: "utf8" });
      assert.strictEqual(run.status, 0, `${run.stdout}${run.stderr}`);
    });

    it("leaves no critical kube-score finding unexplained", () => {
      const unexplained = criticals(write("stack.yaml", objects)).filter((finding) => {
        const [, check, summary] = /^\S+ ([\w-]+): (.*)$/.exec(finding)!;
        return EXPLAINED[check] !== summary;
      });
      assert.deepStrictEqual(unexplained, []);
    });

    it("would have kube-score flag a replica count beside the autoscaler", () => {
      const withReplicas = objects.map((o) => (o.kind === "Deployment" ? { ...o, spec: { ...(o.spec as object), replicas: 3 } } : o));
      assert.ok(criticals(write("replicas.yaml", withReplicas)).some((f) => f.includes("deployment-targeted-by-hpa-does-not-have-replicas-configured")));
    });

    it("would have kubernetes-validate refuse a field the schema lacks", () => {
      const misspelled = objects.map((o) => (o.kind === "Service" ? { ...o, spec: { ...(o.spec as object), externalTrafficPolicyy: "Local" } } : o));
      const run = spawnSync(tool("--kubernetes-validate-python"), ["-m", "kubernetes_validate", "--strict", "--quiet", write("typo.yaml", misspelled)], {
        encoding: "utf8",
      });
      assert.notStrictEqual(run.status, 0);
      assert.match(`${run.stdout}${run.stderr}`, /externalTrafficPolicyy/);
    });
  });
}
