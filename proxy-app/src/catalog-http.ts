import { Catalog, CatalogSnapshot, CatalogVersion, search, since } from "./catalog";
import { renderCatalogPage } from "./catalog-page";

/** The most versions one page of /catalog or /ui/ holds. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** As the public module index: at most 2000 lines an answer, and that many unless asked for fewer. */
const INDEX_LIMIT = 2000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** A query parameter out of range or malformed: answered 400 with what was wrong. */
export class BadQueryError extends Error {}

export interface CatalogAnswer {
  contentType: string;
  body: Buffer;
  /** Where to go instead (a redirect). */
  location?: string;
}

/** Paths the catalog answers; none is a module path (a module path's first element has a dot). */
export function isCatalogPath(path: string): boolean {
  return path === "/catalog" || path === "/index" || path === "/ui" || path === "/ui/";
}

/** One page of the versions matching a search. */
export interface CatalogPage {
  snapshot: CatalogSnapshot;
  q: string;
  offset: number;
  limit: number;
  /** Of the matches: how many versions, modules and bytes. */
  total: number;
  modules: number;
  bytes: number;
  versions: CatalogVersion[];
}

export async function answerCatalog(catalog: Catalog, path: string, rawQuery: string): Promise<CatalogAnswer> {
  const params = new URLSearchParams(rawQuery);
  if (path === "/ui") return { contentType: "text/plain; charset=utf-8", body: Buffer.from("see /ui/\n"), location: "/ui/" };
  const snapshot = await catalog.current();
  if (path === "/index") {
    const sinceParam = params.get("since");
    const sinceMs = sinceParam === null || sinceParam === "" ? 0 : Date.parse(RFC3339.test(sinceParam) ? sinceParam : "invalid");
    if (Number.isNaN(sinceMs)) throw new BadQueryError(`since must be an RFC 3339 time such as 2026-01-02T15:04:05Z ("${sinceParam}" is not)`);
    const lines = since(snapshot, sinceMs, intParam(params, "limit", INDEX_LIMIT, 1, INDEX_LIMIT)).map(
      (v) => JSON.stringify({ Path: v.module, Version: v.version, Timestamp: new Date(v.firstCached).toISOString() }) + "\n",
    );
    return { contentType: "application/json; charset=utf-8", body: Buffer.from(lines.join("")) };
  }
  const page = pageOf(snapshot, params);
  if (path === "/ui/") return { contentType: "text/html; charset=utf-8", body: Buffer.from(renderCatalogPage(page)) };
  return { contentType: "application/json; charset=utf-8", body: Buffer.from(JSON.stringify(catalogJson(page)) + "\n") };
}

function pageOf(snapshot: CatalogSnapshot, params: URLSearchParams): CatalogPage {
  const q = params.get("q") ?? "";
  const offset = intParam(params, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(params, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
  const matches = search(snapshot.versions, q);
  let modules = 0;
  let bytes = 0;
  for (let i = 0; i < matches.length; i++) {
    // Sorted by module: a module starts where the path changes.
    if (i === 0 || matches[i].module !== matches[i - 1].module) modules++;
    bytes += matches[i].bytes;
  }
  return { snapshot, q, offset, limit, total: matches.length, modules, bytes, versions: matches.slice(offset, offset + limit) };
}

function catalogJson(page: CatalogPage) {
  return {
    snapshot: new Date(page.snapshot.takenAt).toISOString(),
    /** How long the snapshot took to make: a store walk, and reads of what changed. */
    snapshotMs: page.snapshot.ms,
    q: page.q,
    total: page.total,
    modules: page.modules,
    bytes: page.bytes,
    offset: page.offset,
    limit: page.limit,
    versions: page.versions.map((v) => ({
      path: v.module,
      version: v.version,
      files: v.files,
      size: v.bytes,
      firstCached: new Date(v.firstCached).toISOString(),
      lastRequested: v.lastAccess === undefined ? null : new Date(v.lastAccess).toISOString(),
      hits: v.hits,
      verification: v.status,
    })),
  };
}

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new BadQueryError(`${name} must be a whole number from ${min} to ${max} ("${raw}" is not)`);
  return n;
}
