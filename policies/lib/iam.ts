import { isRecord, recordAt } from "./values";

// IAM policy documents (bucket policies, key policies) reach rules as JSON strings or objects whose
// fields may each be one value or a list.

export const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** IAM wildcard matching: "*" stands for any run of characters, "?" for one. */
export function iamMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(value);
}

/** A policy document, parsed when written as JSON; an empty one when it is neither JSON nor an object. */
export function policyDocument(value: unknown): Record<string, unknown> {
  if (typeof value !== "string") {
    return recordAt(value);
  }
  try {
    return recordAt(JSON.parse(value));
  } catch {
    return {};
  }
}

/** Condition keys that pin a request to known accounts, organizations, principals or networks. */
const narrowingConditionKeys = [
  "aws:principalaccount",
  "aws:principalorgid",
  "aws:principalarn",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "kms:calleraccount",
];

/** True when a statement's Condition limits it by one of those keys to values without wildcards. */
function narrowedByCondition(statement: Record<string, unknown>): boolean {
  return Object.values(recordAt(statement.Condition)).some((operands) =>
    Object.entries(recordAt(operands)).some(
      ([key, values]) => narrowingConditionKeys.includes(key.toLowerCase()) && listOf(values).every((v) => typeof v === "string" && !/[*?]/.test(v)),
    ),
  );
}

/**
 * True for an Allow that reaches any principal at all: Principal "*" or {"AWS": "*"}, or a
 * NotPrincipal (everyone but the listed), with no condition narrowing it to known accounts or networks.
 */
export function allowsAnyPrincipal(statement: unknown): boolean {
  if (!isRecord(statement) || statement.Effect !== "Allow") {
    return false;
  }
  const principal = statement.Principal;
  const anyone = principal === "*" || (isRecord(principal) && listOf(principal.AWS).includes("*")) || statement.NotPrincipal !== undefined;
  return anyone && !narrowedByCondition(statement);
}

/** The statements of a policy document, one or a list. */
export function statementsOf(document: unknown): unknown[] {
  const statement = policyDocument(document).Statement;
  return statement === undefined ? [] : listOf(statement);
}
