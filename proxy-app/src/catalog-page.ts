import type { CatalogPage } from "./catalog-http";
import type { VersionStatus } from "./catalog";
import { formatSize } from "./size";

/** What each verification status reads as, and what it means, for the badge and its tooltip. */
const BADGES: Record<VersionStatus, { label: string; why: string }> = {
  verified: { label: "verified", why: "its hashes equal the checksum database's records" },
  "not-looked-up": { label: "not looked up", why: "private (GONOSUMDB/GONOPROXY): checked by Go's zip rules only" },
  unverified: { label: "unverified", why: "the checksum database could not be asked yet; checked again when it answers" },
  unrecorded: { label: "no record", why: "stored without a record of how it was checked; fetched and checked again when asked for" },
};

// Everything the page shows comes through esc: module paths in storage are whatever was written there.
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const count = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

function time(ms: number | undefined): string {
  if (ms === undefined) return `<span class="none">never</span>`;
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

/** The catalog as one HTML page: no script, no external asset, so it works under a CSP of default-src 'none'. */
export function renderCatalogPage(page: CatalogPage): string {
  const { snapshot, q, offset, limit, versions } = page;
  const link = (o: number) => `/ui/?${new URLSearchParams({ ...(q === "" ? {} : { q }), offset: String(o), limit: String(limit) })}`;
  const first = page.total === 0 ? 0 : Math.min(offset + 1, page.total);
  const last = Math.min(offset + versions.length, page.total);
  const prev = offset > 0 ? `<a rel="prev" href="${esc(link(Math.max(0, offset - limit)))}">&larr; Previous</a>` : "";
  const next = offset + limit < page.total ? `<a rel="next" href="${esc(link(offset + limit))}">Next &rarr;</a>` : "";
  const rows = versions
    .map((v) => {
      const badge = BADGES[v.status];
      return (
        `<tr><td class="module">${esc(v.module)}</td><td class="version">${esc(v.version)}</td>` +
        `<td>${esc(v.files.join(" "))}</td><td class="num" title="${count(v.bytes)} bytes">${esc(formatSize(v.bytes))}</td>` +
        `<td>${time(v.firstCached)}</td><td>${time(v.lastAccess)}</td><td class="num">${count(v.hits)}</td>` +
        `<td><span class="badge ${v.status}" title="${esc(badge.why)}">${esc(badge.label)}</span></td></tr>`
      );
    })
    .join("\n");
  const summary =
    `${plural(page.total, "version", "versions")} of ${plural(page.modules, "module", "modules")}, ${esc(formatSize(page.bytes))}` +
    (q === "" ? "" : ` matching &ldquo;${esc(q)}&rdquo;`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>modproxy catalog</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f23; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
form { margin-bottom: 0.75rem; }
input[type=search] { width: 28rem; max-width: 70vw; padding: 0.3rem 0.5rem; font-size: 1rem; }
button { padding: 0.3rem 0.8rem; font-size: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #e1e4e8; white-space: nowrap; }
th { background: #f6f8fa; }
td.module { white-space: normal; word-break: break-all; font-family: ui-monospace, monospace; }
td.version { font-family: ui-monospace, monospace; }
.num { text-align: right; }
.none { color: #6a737d; }
.badge { padding: 0.1rem 0.5rem; border-radius: 0.8rem; font-size: 0.85em; }
.badge.verified { background: #dcffe4; color: #165c26; }
.badge.not-looked-up { background: #eef1f4; color: #444d56; }
.badge.unverified { background: #fff5b1; color: #735c0f; }
.badge.unrecorded { background: #ffdce0; color: #86181d; }
nav { margin: 0.75rem 0; display: flex; gap: 1.5rem; align-items: center; }
footer { color: #6a737d; margin-top: 1rem; font-size: 0.85em; }
</style>
</head>
<body>
<h1>modproxy catalog</h1>
<form method="get" action="/ui/" role="search">
<input type="search" name="q" value="${esc(q)}" placeholder="Filter by module path" aria-label="Filter by module path" autofocus>
<input type="hidden" name="limit" value="${limit}">
<button type="submit">Search</button>
</form>
<p id="summary">${summary}</p>
<table>
<thead><tr><th>Module</th><th>Version</th><th>Files</th><th class="num">Size</th><th>First cached</th><th>Last requested</th><th class="num">Hits</th><th>Checksum</th></tr></thead>
<tbody>
${rows || `<tr><td colspan="8" class="none">No module versions${q === "" ? " stored yet" : " match"}.</td></tr>`}
</tbody>
</table>
<nav>${prev}<span id="range">${count(first)}&ndash;${count(last)} of ${count(page.total)}</span>${next}</nav>
<footer>As of ${time(snapshot.takenAt)}; new versions show within seconds. The same as JSON: <a href="/catalog">/catalog</a>, <a href="/index">/index</a>.</footer>
</body>
</html>
`;
}
