import { PolicyResource } from "@pulumi/policy";
import { stringAt } from "./values";

// Stack checks join separate resources (a bucket and its public access block, a node group and its
// subnets). The engine gives property dependencies; offline, and for already-known values, the
// referencing property holds the target's id, ARN, physical name or logical name.

function identifiersOf(target: PolicyResource, nameProperties: readonly string[]): Set<string> {
  const candidates = [target.props.id, target.props.arn, ...nameProperties.map((p) => target.props[p]), target.name, target.urn];
  return new Set(candidates.map(stringAt).filter((v): v is string => v !== undefined && v.length > 0));
}

/**
 * True when `source.props[property]` (a single reference or a list of them) points at `target`.
 * Property dependencies decide when recorded (the engine always records them, and during preview
 * the value itself may be unknown); otherwise the value is compared with the target's identifiers.
 */
export function refersTo(source: PolicyResource, property: string, target: PolicyResource, nameProperties: readonly string[] = []): boolean {
  const dependencies = source.propertyDependencies[property];
  if (dependencies !== undefined && dependencies.length > 0) {
    return dependencies.includes(target);
  }
  const value = source.props[property];
  const references = Array.isArray(value) ? value : [value];
  const ids = identifiersOf(target, nameProperties);
  return references.some((r) => typeof r === "string" && ids.has(r));
}
