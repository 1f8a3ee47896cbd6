import { PolicyResource } from "@pulumi/policy";
import { unlessUnknown } from "./unknowns";
import { recordAt, stringAt } from "./values";

// Stack checks join separate resources (a bucket and its public access block, a node group and its
// subnets). The engine records which resources each property was computed from; a reference written
// as a literal holds the target's id, ARN or physical name instead. Logical names and URNs are never
// compared: a property that happens to equal another resource's logical name does not point at it.

function identifiersOf(target: PolicyResource, nameProperties: readonly string[]): Set<string> {
  // An identifier only known after deployment cannot equal a literal reference.
  const candidates = ["id", "arn", ...nameProperties].map((p) => unlessUnknown(() => stringAt(target.props[p]), undefined));
  return new Set(candidates.filter((v): v is string => v !== undefined && v.length > 0));
}

/**
 * True when the reference at `path` in `source.props` (a property, or a dotted path into one such as
 * "accessLogs.bucket"; a single reference or a list of them) points at `target`: the property was
 * computed from it, or holds its id, ARN or one of its `nameProperties`.
 */
export function refersTo(source: PolicyResource, path: string, target: PolicyResource, nameProperties: readonly string[] = []): boolean {
  const [property, ...nested] = path.split(".");
  // The engine records dependencies per top-level property only.
  if (source.propertyDependencies[property]?.includes(target)) {
    return true;
  }
  const ids = identifiersOf(target, nameProperties);
  // An unknown reference was computed from some resource, so its property dependency has already decided.
  return unlessUnknown(() => {
    const value = nested.reduce((node, key) => recordAt(node)[key], source.props[property]);
    return (Array.isArray(value) ? value : [value]).some((r) => typeof r === "string" && ids.has(r));
  }, false);
}
