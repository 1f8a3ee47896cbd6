import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PolicyEvent } from "@pulumi/pulumi/automation";
import { PolicyPackConfig } from "@pulumi/policy";
import { parseConfig, runtimeConfigSource } from "../../infra/config";
import { createModproxy } from "../../infra/program";
import { readStackFile } from "../../infra/stackFile";
import { REPO_ROOT, synthesize, SynthesizedResource } from "../../infra/synth";
import { evaluatePolicies, PolicyViolation } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { EXAMPLE_PROJECT, EXAMPLE_STACK, exampleConfig, NETWORK_AND_CLUSTER, runProgram, synthesizeExample } from "../support/example-program";
import { startTestEngine, TestEngine } from "../support/pulumi-engine";

// The pack in the real Pulumi engine, as a pipeline runs it: `pulumi up` and
// `pulumi preview` with `--policy-pack policies --policy-pack-config
// policies/config/<stack>.json`, the program run inline with the stack's
// config, and the engine's own analyzer host running the pack. Its findings
// must be the offline check's (policies/check.ts), finding for finding.

const PACK = path.join(REPO_ROOT, "policies");
const packConfigFile = (stack: string) => path.join(PACK, "config", `${stack}.json`);

/** What both report of a finding: policy, level, the resource it blames (by name), and the message. */
type Finding = [policy: string, level: string, resource: string, message: string];

// The engine blames stack-wide findings on the stack resource; the offline check on no resource.
const resourceName = (urn: string | undefined) =>
  urn === undefined || urn.includes("::pulumi:pulumi:Stack::") ? "(stack)" : urn.slice(urn.lastIndexOf("::") + 2);
const fromEngine = (e: PolicyEvent): Finding => [e.policyName, e.enforcementLevel, resourceName(e.resourceUrn), e.message];
// The engine's message is the rule's description, then the finding, a line each.
const fromOffline = (v: PolicyViolation): Finding => [v.policyName, v.enforcementLevel, resourceName(v.urn), `${v.description}\n${v.message}\n`];
const sorted = (findings: Finding[]) => findings.map((f) => JSON.stringify(f)).sort();
const packConfigOf = (stack: string) => JSON.parse(fs.readFileSync(packConfigFile(stack), "utf8")) as PolicyPackConfig;

/** A broken change, made to the program in the engine (a transform) and to the synthesized program offline. */
interface Change {
  what: string;
  type: string;
  /** The resource's logical name, where the program has more than one of the type. */
  name?: string;
  breaks: (props: Record<string, unknown>) => void;
  /** The policy that must stop it. */
  caughtBy: string;
  /** What the engine cannot check of this change in preview, though the offline check, knowing every value, can. */
  unknownInPreview?: Finding[];
}

/** The engine's advisory for a policy it could not run in preview, on `resource` ("(stack)" for a stack policy). */
function unknownInPreview(policy: string, resource: string, value: string): Finding {
  return [
    policy,
    "advisory",
    resource,
    `can't run policy '${policy}' from policy pack 'modproxy@v0.1.0' during preview: ${value} can't be known during preview\n`,
  ];
}

const containersOf = (props: Record<string, unknown>) =>
  (props.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;

// The broken variants test/policies/stacks.test.ts checks offline, as changes to a deployed stack.
const CHANGES: Change[] = [
  {
    what: "a bucket whose public access block lets policies and ACLs make it public",
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    name: "modproxy-dev-public-access",
    breaks: (props) => Object.assign(props, { blockPublicPolicy: false, restrictPublicBuckets: false }),
    caughtBy: "s3-bucket-public-access-block",
  },
  {
    what: "an HTTPS listener turned into plain HTTP",
    type: "aws:lb/listener:Listener",
    name: "modproxy-dev-https",
    breaks: (props) => {
      props.protocol = "HTTP";
      delete props.sslPolicy;
      delete props.certificateArn;
    },
    caughtBy: "lb-listener-tls",
  },
  {
    what: "an EKS API endpoint opened to the internet",
    type: "aws:eks/cluster:Cluster",
    breaks: (props) => {
      props.vpcConfig = { ...(props.vpcConfig as object), endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };
    },
    caughtBy: "eks-endpoint-not-public",
    // A changed cluster leaves the Kubernetes provider's configuration unknown in preview, so the engine
    // gives the pack the Kubernetes objects without properties; the stand-in provider plans no outputs.
    unknownInPreview: [
      unknownInPreview("k8s-namespace-default-deny", "(stack)", "Object value at .metadata"),
      unknownInPreview("k8s-service-account-token-not-automounted", "(stack)", "Object value at .metadata"),
      unknownInPreview("k8s-no-default-service-account", "modproxy-dev-deployment", "string value at .spec.template.spec.serviceAccountName"),
    ],
  },
  {
    what: "GOSUMDB=off in the proxy's settings",
    type: "kubernetes:core/v1:ConfigMap",
    // The settings, not the dashboard's ConfigMap beside them.
    name: "modproxy-dev-settings",
    breaks: (props) => {
      props.data = { ...(props.data as object), GOSUMDB: "off" };
    },
    caughtBy: "go-checksum-verification-on",
  },
  {
    what: "a plaintext token in the proxy container's env",
    type: "kubernetes:apps/v1:Deployment",
    breaks: (props) => {
      containersOf(props)[0].env = [{ name: "UPSTREAM_TOKEN", value: "s3cr3t-example" }];
    },
    caughtBy: "no-plaintext-credentials",
  },
];

/** The offline program with the change made to its synthesized resources. */
function changedOffline(resources: SynthesizedResource[], change: Change): SynthesizedResource[] {
  const copy = structuredClone(resources);
  const target = copy.find((r) => r.type === change.type && (change.name === undefined || r.name === change.name));
  assert.ok(target, `the dev program has a ${change.type} ${change.name ?? ""}`);
  change.breaks(target.inputs);
  return copy;
}

/** The stack file's config as `pulumi config set` would store it, plus overrides. */
function stackConfig(stack: string, overrides: Record<string, string> = {}) {
  const file = readStackFile(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`));
  const values = Object.fromEntries(Object.entries({ ...file.values, ...overrides }).filter((e): e is [string, string] => e[1] !== undefined));
  return { values, secrets: file.secretKeys };
}

/** The blueprint's program as `infra/index.ts` runs it, with a transform standing in for a broken change. */
function program(change?: Change) {
  return async () => {
    if (change) {
      pulumi.runtime.registerResourceTransform((args) => {
        if (args.type !== change.type || (change.name !== undefined && args.name !== change.name)) return undefined;
        const props = { ...args.props };
        change.breaks(props);
        return { props, opts: args.opts };
      });
    }
    return createModproxy(parseConfig(runtimeConfigSource()));
  };
}

describe("the policy pack in the real Pulumi engine", function () {
  // A cold build of the Pulumi CLI when mocha runs without `npm test` (which builds it first).
  this.timeout(20 * 60_000);
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine("eu-west-1");
  });
  after(() => engine?.close());

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: a new stack's first preview finds nothing mandatory, though its cluster does not exist yet`, async () => {
      const { values, secrets } = stackConfig(stack);
      const s = await engine.stack({ project: "modproxy", name: `${stack}-new`, program: program(), config: values, secrets });
      const { findings } = await engine.previewWithPolicies(s, [PACK], [packConfigFile(stack)]);
      assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map(fromEngine), []);
      assert.ok(
        findings.some((f) => f.policyName === "k8s-namespace-default-deny" && f.message.includes("during preview: Object value at .metadata")),
        "the rule says it could not check the objects of a cluster still to be created",
      );
    });

    it(`${stack}: deploys through the pack with nothing mandatory, and finds what the offline check finds`, async () => {
      const { values, secrets } = stackConfig(stack);
      const s = await engine.stack({ project: "modproxy", name: stack, program: program(), config: values, secrets });
      // A pipeline's first deployment: the pack runs on the update; a mandatory finding would fail it.
      await engine.upWithPolicies(s, [PACK], [packConfigFile(stack)]);
      // Then what a pipeline runs on every change: every value is known now, as under the offline mocks.
      const { findings } = await engine.previewWithPolicies(s, [PACK], [packConfigFile(stack)]);
      const offline = await evaluatePolicies(allPolicies, (await synthesize(stack)).resources, packConfigOf(stack));
      assert.deepEqual(sorted(findings.map(fromEngine)), sorted(offline.map(fromOffline)));
      assert.ok(findings.every((f) => f.enforcementLevel !== "mandatory"));
    });
  }

  describe("broken changes to a deployed dev stack, previewed as a pipeline does", () => {
    const { values, secrets } = stackConfig("dev");
    let dev: SynthesizedResource[];
    before(async () => {
      dev = (await synthesize("dev")).resources;
      const deployed = await engine.stack({ project: "modproxy", name: "dev-changes", program: program(), config: values, secrets });
      await engine.upWithPolicies(deployed, [PACK], [packConfigFile("dev")]);
    });

    for (const change of CHANGES) {
      it(`${change.what}: stopped by ${change.caughtBy}, as the offline check finds`, async () => {
        const changed = await engine.stack({ project: "modproxy", name: "dev-changes", program: program(change), config: values, secrets });
        const { findings } = await engine.previewWithPolicies(changed, [PACK], [packConfigFile("dev")]);
        assert.ok(
          findings.some((f) => f.policyName === change.caughtBy && f.enforcementLevel === "mandatory"),
          JSON.stringify(findings.map(fromEngine)),
        );
        const offline = await evaluatePolicies(allPolicies, changedOffline(dev, change), packConfigOf("dev"));
        assert.deepEqual(sorted(findings.map(fromEngine)), sorted([...offline.map(fromOffline), ...(change.unknownInPreview ?? [])]));
      });
    }
  });

  it("the existing-cluster example: deploys into the given VPC and cluster, creating neither, as the offline check sees it", async () => {
    const config = exampleConfig();
    const s = await engine.stack({ project: EXAMPLE_PROJECT, name: EXAMPLE_STACK, program: async () => runProgram() as Record<string, unknown>, config });
    await engine.upWithPolicies(s, [PACK], []);
    const { findings } = await engine.previewWithPolicies(s, [PACK], []);
    const offline = await evaluatePolicies(allPolicies, (await synthesizeExample()).resources, {});
    assert.deepEqual(sorted(findings.map(fromEngine)), sorted(offline.map(fromOffline)));
    assert.ok(findings.every((f) => f.enforcementLevel !== "mandatory"));

    const { resources } = (await s.exportStack()).deployment as { resources: { type: string; inputs?: Record<string, unknown> }[] };
    assert.deepEqual(
      resources.filter((r) => NETWORK_AND_CLUSTER.test(r.type)).map((r) => r.type),
      [],
    );
    const alb = resources.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer");
    const privateSubnets = JSON.parse(config["platform-goproxy:privateSubnets"]) as { id: string }[];
    assert.deepEqual(
      alb?.inputs?.subnets,
      privateSubnets.map((subnet) => subnet.id),
    );
    const kubernetesObjects = resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.ok(kubernetesObjects.length > 0, "the proxy's objects were applied");
  });
});
