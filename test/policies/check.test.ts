import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// `npm run policy:check` as CI runs it: a separate process, judged by exit code and output.

const repoRoot = path.resolve(__dirname, "../..");

function check(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "policies/check.ts", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run policy:check", () => {
  it("passes the dev stack as committed", () => {
    const { status, stdout, stderr } = check("--stack", "dev");
    assert.equal(status, 0, stdout + stderr);
    assert.match(stdout, /Policy check of stack "dev": \d+ resources, \d+ policies, pack config policies\/config\/dev\.json/);
    assert.match(stdout, /No policy violations\./);
  });

  it("fails when a config override makes the load balancer public, naming the rule and resource", () => {
    const { status, stdout } = check("--stack", "dev", "--set", "modproxy:loadBalancerScheme=internet-facing");
    assert.equal(status, 1, stdout);
    assert.match(
      stdout,
      /\[mandatory\] {2}modproxy v0\.1\.0 {2}load-balancer-internal \(aws:lb\/loadBalancer:LoadBalancer: modproxy-dev-alb\)\n {4}Load balancers are internal/,
    );
  });

  it("takes --config over the stack's own pack config", () => {
    // dev's pack config does not allow the internet-facing load balancer prod deliberately has.
    const { status, stdout } = check("--stack", "prod", "--config", "policies/config/dev.json");
    assert.equal(status, 1, stdout);
    assert.match(stdout, /pack config policies\/config\/dev\.json/);
    assert.match(stdout, /load-balancer-internal \(aws:lb\/loadBalancer:LoadBalancer: modproxy-prod-alb\)/);
  });

  it("rejects a missing or unknown stack with a usage error", () => {
    const missing = check();
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--stack is required/);
    const unknown = check("--stack", "staging-example");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown stack "staging-example": no Pulumi\.staging-example\.yaml \(stacks: dev, prod\)/);
  });

  it("rejects a pack config value outside its schema's enum, naming the policy and the item", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    const file = path.join(dir, "sideways.json");
    fs.writeFileSync(file, JSON.stringify({ "k8s-namespace-default-deny": { directions: ["Sideways"] } }));
    try {
      const { status, stderr } = check("--stack", "dev", "--config", file);
      assert.equal(status, 2, stderr);
      assert.match(stderr, /policy "k8s-namespace-default-deny": config "directions\[0\]" must be one of "Ingress", "Egress", got "Sideways"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a pack config that names a policy the pack does not have", () => {
    const { status, stderr } = check("--stack", "dev", "--config", "package.json");
    assert.equal(status, 2);
    assert.match(stderr, /pack config names unknown policy "name"/);
  });
});
