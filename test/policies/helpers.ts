import { Policies, PolicyPackConfig } from "@pulumi/policy";
import { runtime } from "@pulumi/pulumi";
import { EvaluatedResource, evaluatePolicies, PolicyViolation } from "../../policies/evaluate";

// Per-rule tests go through the same arg-building code as the offline check (policies/evaluate.ts),
// so a rule is exercised exactly as `npm run policy:check` exercises it.

type PackPolicy = Policies[number];

/** What the engine sends for a value only known after deployment (during preview), e.g. an auto-named bucket's name. */
export const unknown: string = runtime.unknownValue;

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::modproxy::${type}::${name}`;
}

export function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<EvaluatedResource> = {}): EvaluatedResource {
  return { type, name, urn: urnOf(type, name), inputs, ...extra };
}

export function violations(policy: PackPolicy, resources: EvaluatedResource[], config: PolicyPackConfig = {}): Promise<PolicyViolation[]> {
  return evaluatePolicies([policy], resources, config);
}

/** The messages a single policy reports for the given resources. */
export async function messages(policy: PackPolicy, resources: EvaluatedResource[], config: PolicyPackConfig = {}): Promise<string[]> {
  return (await violations(policy, resources, config)).map((v) => v.message);
}

/** A Deployment around one container spec, the shape most workload rules inspect. */
export function deployment(name: string, container: Record<string, unknown>, podSpec: Record<string, unknown> = {}, namespace = "modproxy"): EvaluatedResource {
  return resource("kubernetes:apps/v1:Deployment", name, {
    metadata: { name, namespace },
    spec: { template: { spec: { ...podSpec, containers: [{ name: "proxy", image: "registry.example.com/modproxy:1", ...container }] } } },
  });
}

export function configMap(name: string, data: Record<string, string>, namespace = "modproxy"): EvaluatedResource {
  return resource("kubernetes:core/v1:ConfigMap", name, { metadata: { name, namespace }, data });
}

/** Container env entries from literal name/value pairs. */
export function env(values: Record<string, string>): { env: { name: string; value: string }[] } {
  return { env: Object.entries(values).map(([name, value]) => ({ name, value })) };
}

/**
 * A copy of `base` with the one input at a dotted path ("spec.template.spec.hostPID",
 * "ingress.0.cidrBlocks") set to `value`, or removed when `value` is undefined: the single change a
 * test makes to a compliant baseline.
 */
export function changed(base: EvaluatedResource, path: string, value: unknown): EvaluatedResource {
  const copy = structuredClone(base);
  const keys = path.split(".");
  const last = keys.pop() as string;
  let node = copy.inputs as Record<string, unknown>;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  if (value === undefined) {
    delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}

/** A proxy Deployment that passes every workload rule: the baseline the workload tests change one field of. */
export const hardenedDeployment: EvaluatedResource = deployment(
  "proxy",
  {
    image: `registry.example.com/modproxy:1.0.0@sha256:${"0".repeat(64)}`,
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  },
  {
    serviceAccountName: "modproxy",
    automountServiceAccountToken: false,
    securityContext: { runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
    volumes: [{ name: "tmp", emptyDir: {} }],
  },
);

/** The path of the proxy container's field in `hardenedDeployment`, for `changed`. */
export const containerPath = (field: string) => `spec.template.spec.containers.0.${field}`;
/** The path of a pod field in `hardenedDeployment`, for `changed`. */
export const podPath = (field: string) => `spec.template.spec.${field}`;
