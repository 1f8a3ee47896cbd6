// Resource inputs reach policies as untyped JSON; these guards keep the rules readable under strict TS.

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function recordAt(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

export function arrayAt(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringsAt(value: unknown): string[] {
  return arrayAt(value).filter((v): v is string => typeof v === "string");
}

export function stringAt(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Provider schemas carry some booleans as strings (e.g. launch template network interfaces). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}
