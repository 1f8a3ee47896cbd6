import * as policySdk from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";

// During `pulumi preview` a value computed from a resource not yet created is unknown: the policy SDK
// hands rules the properties through a proxy that throws UnknownValueError when such a value is read,
// and the engine turns that error into an advisory "can't run policy during preview". These helpers
// keep one unknown value from hiding what the rest of a resource, or the rest of a stack, shows.

// index.d.ts re-exports these from a proxy.d.ts that declares nothing, so give them their runtime types.
export const { unknownCheckingProxy, UnknownValueError } = policySdk as unknown as {
  unknownCheckingProxy: <T extends object>(props: T) => T;
  UnknownValueError: new (sentinel: string, path: string[]) => Error;
};
/** The sentinel of an unknown object (named "Object" in the SDK's messages); only the proxy module exports it. */
export const { unknownObjectValue } = policyProxy as unknown as { unknownObjectValue: string };

type Unknown = { known: false; error: Error };
type Attempt<T> = { known: true; value: T } | Unknown;

function attempt<T>(read: () => T): Attempt<T> {
  try {
    return { known: true, value: read() };
  } catch (e) {
    if (e instanceof UnknownValueError) {
      return { known: false, error: e };
    }
    throw e;
  }
}

/** What `read` returns, or `fallback` when it reads a value only known after deployment. */
export function unlessUnknown<T, F>(read: () => T, fallback: F): T | F {
  const result = attempt(read);
  return result.known ? result.value : fallback;
}

/**
 * Runs `check` on each item on its own, so an unknown value in one item hides no finding in the
 * others; then rethrows the first unknown, which the engine reports as advisory. Stack rules use it:
 * the engine runs them again only after the update, so the preview should say what it could not check.
 */
export function checkEach<T>(items: readonly T[], check: (item: T) => void): void {
  const unknown = items.map((item) => attempt(() => check(item))).find((r): r is Unknown => !r.known);
  if (unknown) {
    throw unknown.error;
  }
}
