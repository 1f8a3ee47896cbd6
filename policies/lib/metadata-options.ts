import { types } from "./resource-types";
import { JsonRecord, recordAt } from "./values";

// Instances and launch templates set the instance metadata service's options; a managed node group
// without a launch template gets EKS's defaults, which neither IMDS rule accepts.

export type MetadataOptions = { kind: "options"; options: JsonRecord } | { kind: "eks-defaults" } | undefined;

export function metadataOptionsOf(type: string, props: JsonRecord): MetadataOptions {
  if (types.eksNodeGroup.includes(type)) {
    return props.launchTemplate === undefined ? { kind: "eks-defaults" } : undefined;
  }
  return { kind: "options", options: recordAt(props.metadataOptions) };
}

export const metadataTypes: readonly string[] = [...types.launchTemplate, ...types.instance, ...types.eksNodeGroup];
