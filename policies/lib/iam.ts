import { recordAt } from "./values";

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
