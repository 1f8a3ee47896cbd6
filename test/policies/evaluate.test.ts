import * as assert from "node:assert/strict";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { buildStackValidationArgs, evaluatePolicies, resolvePolicyConfig } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { kubernetesNamespaceDefaultDeny } from "../../policies/rules/kubernetes/k8s-namespace-default-deny";
import { resource, unknown } from "./helpers";

const limit: ResourceValidationPolicy = {
  name: "replica-limit",
  description: "Replicas stay under the limit.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { max: { type: "integer", default: 3 } } },
  validateResource: (args, reportViolation) => {
    if (args.type !== "test:index:Scaled") {
      args.notApplicable("only Scaled");
    }
    const { max } = args.getConfig<{ max: number }>();
    if (args.props.replicas > max) {
      reportViolation(`${String(args.props.replicas)} > ${max}`);
    }
  },
};

const scaled = (replicas: unknown) => resource("test:index:Scaled", "app", { replicas });

describe("offline policy evaluation", () => {
  it("applies schema defaults, reports against the resource URN and skips types that are not applicable", async () => {
    const found = await evaluatePolicies([limit], [scaled(5), resource("test:index:Other", "x", { replicas: 99 })]);
    assert.deepEqual(found, [
      { policyName: "replica-limit", description: "Replicas stay under the limit.", enforcementLevel: "mandatory", message: "5 > 3", urn: scaled(5).urn },
    ]);
  });

  it("takes config overrides and enforcement levels from the pack config", async () => {
    assert.deepEqual(await evaluatePolicies([limit], [scaled(5)], { "replica-limit": { max: 10 } }), []);
    const advisory = await evaluatePolicies([limit], [scaled(5)], { "replica-limit": "advisory" });
    assert.deepEqual(
      advisory.map((v) => v.enforcementLevel),
      ["advisory"],
    );
    assert.deepEqual(await evaluatePolicies([limit], [scaled(5)], { "replica-limit": { enforcementLevel: "disabled" } }), []);
  });

  it("rejects config for unknown policies, unknown keys and wrong types", async () => {
    await assert.rejects(evaluatePolicies([limit], [], { "replica-limt": { max: 1 } }), /pack config names unknown policy "replica-limt"/);
    assert.throws(() => resolvePolicyConfig(limit, { "replica-limit": { maximum: 1 } }), /policy "replica-limit" has no config "maximum" \(known: max\)/);
    assert.throws(() => resolvePolicyConfig(limit, { "replica-limit": { max: "ten" } }), /config "max" must be integer, got string/);
    assert.throws(() => resolvePolicyConfig(limit, { "replica-limit": "blocking" as never }), /unknown enforcement level "blocking"/);
  });

  it("checks array items and enums against the schema, not only the top-level type", () => {
    const configure = (config: Record<string, unknown>) => () => resolvePolicyConfig(kubernetesNamespaceDefaultDeny, { "k8s-namespace-default-deny": config });
    assert.throws(
      configure({ directions: ["Ingress", "Sideways"] }),
      /policy "k8s-namespace-default-deny": config "directions\[1\]" must be one of "Ingress", "Egress", got "Sideways"/,
    );
    assert.throws(configure({ exemptNamespaces: ["kube-system", 7] }), /config "exemptNamespaces\[1\]" must be string, got integer/);
    assert.doesNotThrow(configure({ directions: ["Egress"], exemptNamespaces: [] }));
  });

  it("drops undefined inputs and downgrades unknown values to advisory, as the engine does", async () => {
    const present: ResourceValidationPolicy = { ...limit, name: "keys", validateResource: (args, report) => report(Object.keys(args.props).join(",")) };
    assert.deepEqual(
      (await evaluatePolicies([present], [resource("test:index:Scaled", "app", { a: 1, b: undefined })])).map((v) => v.message),
      ["a"],
    );
    const found = await evaluatePolicies([limit], [scaled(unknown)]);
    assert.deepEqual(
      found.map((v) => [v.enforcementLevel, v.message]),
      [
        [
          "advisory",
          "can't run policy 'replica-limit' from policy pack 'modproxy@v0.1.0' during preview: string value at .replicas can't be known during preview",
        ],
      ],
    );
  });

  it("links stack resources to their parents and property dependencies by URN", () => {
    const parent = resource("test:index:Component", "c", {});
    const child = resource("test:index:Scaled", "app", { target: "x" }, { parent: parent.urn, propertyDependencies: { target: [parent.urn] } });
    const [, linked] = buildStackValidationArgs([parent, child], {}).resources;
    assert.equal(linked.parent?.urn, parent.urn);
    assert.deepEqual(
      linked.propertyDependencies.target.map((r) => r.urn),
      [parent.urn],
    );
  });

  it("reports stack violations without a URN against the stack", async () => {
    const stack: StackValidationPolicy = {
      name: "non-empty",
      description: "Stacks have resources.",
      enforcementLevel: "advisory",
      validateStack: (args, report) => {
        if (args.resources.length === 0) report("empty");
      },
    };
    assert.deepEqual(await evaluatePolicies([stack], []), [
      { policyName: "non-empty", description: "Stacks have resources.", enforcementLevel: "advisory", message: "empty", urn: undefined },
    ]);
  });

  it("gives every rule in the pack a unique name, a description and an explicit enforcement level", () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const policy of allPolicies) {
      assert.ok(policy.description.length > 20, policy.name);
      assert.ok(policy.enforcementLevel, policy.name);
      assert.doesNotThrow(() => resolvePolicyConfig(policy), policy.name);
    }
  });
});
