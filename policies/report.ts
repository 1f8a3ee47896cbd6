import { packName, packVersion } from "./pack";
import { EvaluatedResource, PolicyViolation } from "./evaluate";

// Prints violations the way `pulumi preview --policy-pack` does: grouped by resource, one
// `[level]  pack version  policy (type: name)` header per violation, then description and message.

const indent = "    ";

function resourceLabel(urn: string | undefined, resources: readonly EvaluatedResource[], stackName: string): string {
  const resource = resources.find((r) => r.urn === urn);
  if (resource) {
    return `${resource.type}: ${resource.name}`;
  }
  // Stack policies that blame no resource are shown against the stack, as the CLI does.
  return urn ? urn : `pulumi:pulumi:Stack: ${packName}-${stackName}`;
}

export function formatViolations(violations: readonly PolicyViolation[], resources: readonly EvaluatedResource[], stackName: string): string {
  if (violations.length === 0) {
    return "No policy violations.\n";
  }
  // Resources in the order the program registered them, stack-wide findings last.
  const position = (urn?: string) => {
    const index = resources.findIndex((r) => r.urn === urn);
    return index < 0 ? resources.length : index;
  };
  const byResource = new Map<string, PolicyViolation[]>();
  for (const violation of [...violations].sort((a, b) => position(a.urn) - position(b.urn))) {
    const label = resourceLabel(violation.urn, resources, stackName);
    byResource.set(label, [...(byResource.get(label) ?? []), violation]);
  }
  const lines = ["Policy Violations:"];
  for (const [label, group] of byResource) {
    for (const v of group) {
      lines.push(`${indent}[${v.enforcementLevel}]  ${packName} v${packVersion}  ${v.policyName} (${label})`);
      lines.push(...[v.description, ...v.message.split("\n")].map((l) => `${indent}${l}`));
    }
  }
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  lines.push(
    "",
    `${violations.length} policy violation(s) on ${byResource.size} resource(s): ${mandatory} mandatory, ${violations.length - mandatory} advisory.`,
  );
  return `${lines.join("\n")}\n`;
}
