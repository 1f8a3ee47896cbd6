import { unknownObjectValue, unlessUnknown, UnknownValueError } from "./unknowns";
import { arrayAt, isRecord, JsonRecord, recordAt, stringAt } from "./values";

// Every Kubernetes workload kind nests the same pod spec at a different depth; the rules only want the pod spec.

const podSpecPaths: Record<string, readonly string[]> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const workloadTypes: readonly string[] = Object.keys(podSpecPaths);

export const configMapType = "kubernetes:core/v1:ConfigMap";

/** Where settings are written: workload env, and ConfigMaps (which reach workloads through envFrom or mounts). */
export const settingResourceTypes: readonly string[] = [...workloadTypes, configMapType];

/** The pod spec of a workload resource, or undefined when the type is not a workload or the spec is absent. */
export function podSpecOf(type: string, props: JsonRecord): JsonRecord | undefined {
  const path = podSpecPaths[type];
  if (!path) {
    return undefined;
  }
  let node: unknown = props;
  for (const key of path) {
    node = recordAt(node)[key];
  }
  return isRecord(node) ? node : undefined;
}

export interface Container {
  name: string;
  spec: JsonRecord;
}

/** Regular, init and ephemeral containers alike: each one runs code in the pod. */
export function containersOf(podSpec: JsonRecord): Container[] {
  return ["initContainers", "containers", "ephemeralContainers"]
    .flatMap((key) => arrayAt(podSpec[key]))
    .filter(isRecord)
    .map((spec) => ({ name: stringAt(spec.name) ?? "(unnamed)", spec }));
}

/** One setting as a workload sees it, and where it was written. */
export interface Setting {
  name: string;
  /** True when written as a literal (env `value`, ConfigMap data) rather than taken from a Secret, ConfigMap key or field. */
  literal: boolean;
  /** The literal's text; undefined for references, and for a literal only known after deployment. */
  value?: string;
  /** Human-readable origin, e.g. `container "proxy" env` or `ConfigMap data`. */
  origin: string;
}

/** Each entry of a ConfigMap data map, its value read on its own: one unknown during preview hides no other. */
function configMapEntries(map: unknown, origin: string, decode: (value: string) => string): Setting[] {
  const entries = recordAt(map);
  return Object.keys(entries).map((name) => {
    const value = unlessUnknown(() => stringAt(entries[name]), undefined);
    return { name, literal: true, value: value === undefined ? undefined : decode(value), origin };
  });
}

/**
 * The settings a resource writes: container env entries for workloads, and the data and binaryData
 * entries of ConfigMaps (binaryData decoded from base64). Other types have none.
 */
export function settingsOf(type: string, props: JsonRecord): Setting[] {
  if (type === configMapType) {
    return [
      ...configMapEntries(props.data, "ConfigMap data", (value) => value),
      ...configMapEntries(props.binaryData, "ConfigMap binaryData", (value) => Buffer.from(value, "base64").toString("utf8")),
    ];
  }
  const podSpec = podSpecOf(type, props);
  if (!podSpec) {
    return [];
  }
  return containersOf(podSpec).flatMap((container) =>
    arrayAt(container.spec.env)
      .filter(isRecord)
      .map((entry) => {
        // A valueFrom that is itself unknown is still a reference.
        const literal = unlessUnknown(() => entry.valueFrom === undefined, false);
        return {
          name: stringAt(entry.name) ?? "",
          literal,
          value: literal ? unlessUnknown(() => stringAt(entry.value) ?? "", undefined) : undefined,
          origin: `container "${container.name}" env`,
        };
      }),
  );
}

/**
 * A Kubernetes object's metadata. During preview the engine hands the pack no properties at all for
 * an object whose provider's configuration is unknown (the cluster is not created yet, or replaced):
 * that object is unknown, not one without a namespace, so reading it throws as an unknown value does.
 */
export function metadataOf(props: JsonRecord): { name?: string; namespace: string; annotations: JsonRecord } {
  if (Object.keys(props).length === 0) throw new UnknownValueError(unknownObjectValue, ["metadata"]);
  const metadata = recordAt(props.metadata);
  return {
    name: stringAt(metadata.name),
    namespace: stringAt(metadata.namespace) ?? "default",
    annotations: recordAt(metadata.annotations),
  };
}

/** A container image reference's parts: `registry:5000/team/app:1.2@sha256:...` has tag "1.2" and that digest. */
export function imageReference(image: string): { tag?: string; digest?: string } {
  const [name, digest] = image.split("@", 2);
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastPart.lastIndexOf(":");
  return { tag: colon >= 0 ? lastPart.slice(colon + 1) : undefined, digest };
}

export const namespaceType = "kubernetes:core/v1:Namespace";
export const serviceAccountType = "kubernetes:core/v1:ServiceAccount";
