import { packName, packVersion } from "./pack";
import { EvaluatedResource, PolicyViolation } from "./evaluate";

// Prints violations the way `pulumi preview --policy-pack` does: grouped by resource, one
// `[level]  pack version  policy (type: name)` header per violation, then description and message.

const indent = "    ";

/** The stack resource as the CLI names it, `pulumi:pulumi:Stack: <project>-<stack>`, read from any resource's URN. */
function stackLabel(resources: readonly EvaluatedResource[]): string {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(resources[0]?.urn ?? "");
  return match ? `pulumi:pulumi:Stack: ${match[2]}-${match[1]}` : "pulumi:pulumi:Stack";
}

function resourceLabel(urn: string | undefined, resources: readonly EvaluatedResource[]): string {
  const resource = resources.find((r) => r.urn === urn);
  if (resource) {
    return `${resource.type}: ${resource.name}`;
  }
  // Stack policies that blame no resource are shown against the stack, as the CLI does.
  return urn ? urn : stackLabel(resources);
}

export function formatViolations(violations: readonly PolicyViolation[], resources: readonly EvaluatedResource[]): string {
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
    const label = resourceLabel(violation.urn, resources);
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
