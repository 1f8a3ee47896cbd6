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

/** One environment setting as a workload sees it, and where it was written. */
export interface Setting {
  name: string;
  /** The literal value; undefined when it comes from a secretKeyRef/configMapKeyRef/fieldRef. */
  value?: string;
  /** Human-readable origin, e.g. `container "proxy" env` or `ConfigMap data`. */
  origin: string;
}

/**
 * The environment settings a resource writes: literal container env entries for workloads, and the
 * data entries of ConfigMaps (which reach workloads through envFrom/configMapKeyRef). Other types have none.
 */
export function settingsOf(type: string, props: JsonRecord): Setting[] {
  if (type === configMapType) {
    return Object.entries(recordAt(props.data)).map(([name, value]) => ({
      name,
      value: stringAt(value),
      origin: "ConfigMap data",
    }));
  }
  const podSpec = podSpecOf(type, props);
  if (!podSpec) {
    return [];
  }
  return containersOf(podSpec).flatMap((container) =>
    arrayAt(container.spec.env)
      .filter(isRecord)
      .map((entry) => ({
        name: stringAt(entry.name) ?? "",
        value: entry.valueFrom === undefined ? (stringAt(entry.value) ?? "") : undefined,
        origin: `container "${container.name}" env`,
      })),
  );
}

export function metadataOf(props: JsonRecord): { name?: string; namespace: string; annotations: JsonRecord } {
  const metadata = recordAt(props.metadata);
  return {
    name: stringAt(metadata.name),
    namespace: stringAt(metadata.namespace) ?? "default",
    annotations: recordAt(metadata.annotations),
  };
}
