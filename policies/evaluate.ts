import {
  EnforcementLevel,
  Policies,
  Policy,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  PolicyConfigSchema,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { isDeepStrictEqual } from "node:util";
import { unknownCheckingProxy, UnknownValueError } from "./lib/unknowns";
import { packEnforcementLevel, packName, packVersion } from "./pack";

// Runs a policy list offline the way the Pulumi engine's analyzer does (see @pulumi/policy server.js):
// config defaults from each configSchema, then overrides; undefined inputs dropped; unknown values
// proxied; `notApplicable` honoured; resource policies per resource, stack policies over all of them.

/** A resource as the program registered it: the shape infra/synth.ts produces. */
export interface EvaluatedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  parent?: string;
  /** URNs this resource depends on, when the producer recorded them. */
  dependencies?: string[];
  /** URNs each input property was computed from; lets stack checks join resources the way the engine does. */
  propertyDependencies?: Record<string, string[]>;
}

export interface PolicyViolation {
  policyName: string;
  description: string;
  enforcementLevel: "advisory" | "mandatory";
  message: string;
  /** Absent when a stack policy blames the stack as a whole. */
  urn?: string;
}

interface ResolvedPolicyConfig {
  enforcementLevel: EnforcementLevel;
  properties: Record<string, unknown>;
}

const enforcementLevels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

class NotApplicable extends Error {}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return "validateStack" in p && typeof p.validateStack === "function";
}

type PropertySchema = PolicyConfigSchema["properties"][string];

function jsonTypeOf(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : Number.isInteger(value) ? "integer" : typeof value;
}

/**
 * Why a config value does not fit the JSON schema its policy declares (type, enum, and array items in
 * turn), as the CLI checks before configuring a pack; undefined when it fits.
 */
function schemaMismatch(schema: PropertySchema, value: unknown, at: string): string | undefined {
  const actual = jsonTypeOf(value);
  const allowed: string[] | undefined = schema.type === undefined ? undefined : [schema.type].flat();
  if (allowed && !allowed.includes(actual) && !(actual === "integer" && allowed.includes("number"))) {
    return `config "${at}" must be ${allowed.join(" or ")}, got ${actual}`;
  }
  if (schema.enum && !schema.enum.some((option) => isDeepStrictEqual(option, value))) {
    return `config "${at}" must be one of ${schema.enum.map((option) => JSON.stringify(option)).join(", ")}, got ${JSON.stringify(value)}`;
  }
  const items = schema.items;
  if (Array.isArray(value) && typeof items === "object" && !Array.isArray(items)) {
    for (const [i, item] of value.entries()) {
      const mismatch = schemaMismatch(items, item, `${at}[${i}]`);
      if (mismatch) {
        return mismatch;
      }
    }
  }
  return undefined;
}

/** The configuration a policy sees: its schema defaults overlaid with the pack config for it, validated. */
export function resolvePolicyConfig(policy: Policy, packConfig: PolicyPackConfig = {}): ResolvedPolicyConfig {
  const schema = policy.configSchema?.properties ?? {};
  const properties: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema)) {
    if (property.default !== undefined) {
      properties[key] = property.default;
    }
  }
  const entry = packConfig[policy.name];
  const { enforcementLevel, ...overrides } = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in schema)) {
      throw new Error(`policy "${policy.name}" has no config "${key}" (known: ${Object.keys(schema).join(", ") || "none"})`);
    }
    const mismatch = schemaMismatch(schema[key], value, key);
    if (mismatch) {
      throw new Error(`policy "${policy.name}": ${mismatch}`);
    }
    properties[key] = value;
  }
  for (const required of policy.configSchema?.required ?? []) {
    if (properties[required] === undefined) {
      throw new Error(`policy "${policy.name}" requires config "${required}"`);
    }
  }
  const level = (enforcementLevel as EnforcementLevel | undefined) ?? policy.enforcementLevel ?? packEnforcementLevel;
  if (!enforcementLevels.includes(level)) {
    throw new Error(`policy "${policy.name}": unknown enforcement level "${String(level)}"`);
  }
  return { enforcementLevel: level, properties };
}

/** Rejects pack config for policies the pack does not have, so a typo cannot silently disable a tuning. */
export function checkPackConfig(policies: Policies, packConfig: PolicyPackConfig): void {
  const names = new Set(policies.map((p) => p.name));
  for (const name of Object.keys(packConfig)) {
    if (!names.has(name)) {
      throw new Error(`pack config names unknown policy "${name}"`);
    }
  }
}

function propsOf(resource: EvaluatedResource): Record<string, unknown> {
  // The engine treats properties with undefined values as absent.
  const props = Object.fromEntries(Object.entries(resource.inputs).filter(([, v]) => v !== undefined));
  return unknownCheckingProxy(props);
}

function optionsOf(resource: EvaluatedResource): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(resource.parent ? { parent: resource.parent } : {}),
  };
}

type ResourceClass = { __pulumiType?: string; isInstance?: (o: unknown) => boolean };

function isTypeOf(type: string, resourceClass: unknown): boolean {
  const cls = resourceClass as ResourceClass;
  if (cls.__pulumiType) {
    return type === cls.__pulumiType;
  }
  return typeof cls.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "Policy does not apply");
}

/** The args the engine passes to `validateResource` for one resource. */
export function buildResourceValidationArgs(resource: EvaluatedResource, properties: Record<string, unknown>): ResourceValidationArgs {
  const props = propsOf(resource);
  return {
    type: resource.type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: optionsOf(resource),
    stackTags: new Map(),
    isType: (cls) => isTypeOf(resource.type, cls),
    asType: ((cls: unknown) => (isTypeOf(resource.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({ ...properties }) as T,
    notApplicable: throwNotApplicable,
  };
}

/** The args the engine passes to `validateStack`: every resource, with parents linked by URN. */
export function buildStackValidationArgs(resources: readonly EvaluatedResource[], properties: Record<string, unknown>): StackValidationArgs {
  const policyResources = resources.map((resource): PolicyResource => {
    const props = propsOf(resource);
    return {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: optionsOf(resource),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(resource.type, cls),
      asType: ((cls: unknown) => (isTypeOf(resource.type, cls) ? props : undefined)) as PolicyResource["asType"],
    };
  });
  const byUrn = new Map(policyResources.map((r) => [r.urn, r]));
  const lookUp = (urns: readonly string[] = []) => urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
  resources.forEach((resource, i) => {
    const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    if (parent) {
      policyResources[i].parent = parent;
    }
    policyResources[i].dependencies = lookUp(resource.dependencies);
    for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
      policyResources[i].propertyDependencies[property] = lookUp(urns);
    }
  });
  return {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({ ...properties }) as T,
    notApplicable: throwNotApplicable,
  };
}

async function runValidation(policy: Policy, violations: PolicyViolation[], validation: () => Promise<void> | void): Promise<void> {
  try {
    await validation();
  } catch (e) {
    if (e instanceof NotApplicable) {
      return;
    }
    if (e instanceof UnknownValueError) {
      // The engine downgrades to advisory when a value is only known after deployment, in these words.
      violations.push({
        policyName: policy.name,
        description: policy.description,
        enforcementLevel: "advisory",
        message: `can't run policy '${policy.name}' from policy pack '${packName}@v${packVersion}' during preview: ${e.message}`,
      });
      return;
    }
    throw new Error(`policy "${policy.name}" failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Runs every resource policy against every resource and every stack policy against the whole set. */
export async function evaluatePolicies(
  policies: Policies,
  resources: readonly EvaluatedResource[],
  packConfig: PolicyPackConfig = {},
): Promise<PolicyViolation[]> {
  checkPackConfig(policies, packConfig);
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    const { enforcementLevel, properties } = resolvePolicyConfig(policy, packConfig);
    if (enforcementLevel === "disabled") {
      continue;
    }
    // Remediation is not run offline, so a remediate-level policy reports as the engine would after a failed fix.
    const level = enforcementLevel === "advisory" ? "advisory" : "mandatory";
    const report =
      (urn?: string): ReportViolation =>
      (message, stackUrn) => {
        violations.push({ policyName: policy.name, description: policy.description, enforcementLevel: level, message, urn: urn ?? stackUrn });
      };
    if (isResourcePolicy(policy)) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const resource of resources) {
        for (const validate of validations) {
          if (validate) {
            await runValidation(policy, violations, () => validate(buildResourceValidationArgs(resource, properties), report(resource.urn)));
          }
        }
      }
    }
    if (isStackPolicy(policy)) {
      await runValidation(policy, violations, () => policy.validateStack(buildStackValidationArgs(resources, properties), report()));
    }
  }
  return violations;
}
