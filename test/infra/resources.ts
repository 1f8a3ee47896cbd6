/** Lookups over synthesized resources, shared by the component and program tests. */
import * as assert from "assert";
import { runOffline, SynthesisResult, SynthesizedResource } from "../../infra/offlineRun";

export function ofType(result: SynthesisResult, type: string): SynthesizedResource[] {
  return result.resources.filter((resource) => resource.type === type);
}

/** The single resource of a type (optionally with a given logical name); fails the test otherwise. */
export function one(result: SynthesisResult, type: string, name?: string): SynthesizedResource {
  const matches = ofType(result, type).filter((resource) => name === undefined || resource.name === name);
  assert.strictEqual(matches.length, 1, `expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length}`);
  return matches[0];
}

/** Reads a nested input by dotted path ("spec.template.spec.containers.0.image"). */
export function at(resource: SynthesizedResource, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], resource.inputs);
}

/** True when the input at `path` is a Pulumi secret: it, or an object or list holding it, was marked. */
export function isSecretAt(resource: SynthesizedResource, path: string): boolean {
  return resource.secretInputs.some((secret) => path === secret || path.startsWith(`${secret}.`));
}

/** Fails unless every resource of a one-component run, the stack and the component aside, is the component's child. */
export function assertParentedToComponent(result: SynthesisResult): void {
  const stack = one(result, "pulumi:pulumi:Stack");
  const [component, ...others] = result.resources.filter((resource) => resource.parent === stack.urn);
  assert.deepStrictEqual(others, [], "one component under the stack");
  const children = result.resources.filter((resource) => resource !== stack && resource !== component);
  assert.ok(children.length > 0, "the component creates resources");
  assert.deepStrictEqual(
    children.filter((child) => child.parent !== component.urn).map((child) => child.urn),
    [],
  );
}

/** Runs a program that creates one component under the shared mocks. */
export function synthesizeComponent(create: () => unknown): Promise<SynthesisResult> {
  return runOffline({ stack: "test", region: "eu-west-1" }, async () => {
    create();
    return {};
  });
}
