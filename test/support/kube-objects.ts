import { SynthesisResult } from "../../infra/offlineRun";

// The Kubernetes objects of a synthesized stack, as the provider would send
// (or, with renderYamlToDirectory, write) them: the resource's inputs, which
// carry apiVersion and kind, named as the provider's autonaming names them
// (the shared mocks do the same). The real provider is a plugin this machine
// cannot get, so this stands in for it.

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Every Kubernetes object of the stack, in the order the program declares them (the namespace first). */
export function kubeObjects(result: SynthesisResult): KubeObject[] {
  return result.resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((r) => {
      const inputs = r.inputs as KubeObject;
      return { ...inputs, metadata: { ...inputs.metadata, name: (r.outputs.metadata as { name: string }).name } };
    });
}

/** The REST path of an object (its collection without `name`), for the kinds the blueprint makes. */
export function apiPath(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, withName = true): string {
  const group = object.apiVersion.includes("/") ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const lower = object.kind.toLowerCase();
  // Regular English plurals cover every kind here (NetworkPolicy -> networkpolicies).
  const plural = lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  const namespace = object.metadata.namespace === undefined ? "" : `/namespaces/${object.metadata.namespace}`;
  return `${group}${namespace}/${plural}${withName ? `/${object.metadata.name}` : ""}`;
}
