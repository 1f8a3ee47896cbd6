// The metric names a PromQL expression reads, found without a full parser:
// strings, label matchers' contents, grouping label lists and Grafana's
// variables are cut away first, so what identifiers remain are metric names,
// function and aggregation names (followed by "("), and keywords.

/** Words of PromQL that are not metric names where they stand bare. */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
// Grafana's template variables: $name, ${name}, ${name:format}, [[name]].
const GRAFANA_VARIABLE = /\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]/g;
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;
const MATCHERS = /\{([^}]*)\}/g;
const NAME_MATCHER = /__name__\s*=\s*"([^"]*)"/g;
// Not after a word character, a dot or a colon: "5m" and "1e3" are numbers, not names.
const IDENTIFIER = /(?<![\w.:])[A-Za-z_:][\w:]*/g;

/** The metric names `expr` selects, each once, in order of first appearance. */
export function metricNames(expr: string): string[] {
  const names: string[] = [];
  // A metric named by a matcher ({__name__="x"}) keeps its quotes until the strings go.
  for (const block of expr.matchAll(MATCHERS)) for (const m of block[1].matchAll(NAME_MATCHER)) names.push(m[1]);
  const code = expr.replace(/#.*$/gm, "").replace(STRING, '""').replace(GRAFANA_VARIABLE, " ").replace(MATCHERS, "{}").replace(GROUPING, " ");
  for (const m of code.matchAll(IDENTIFIER)) {
    const rest = code.slice(m.index + m[0].length);
    // A function or an aggregation is called; a metric name never is.
    if (/^\s*\(/.test(rest) || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return [...new Set(names)];
}

/** A scrape's metric families: name to type (counter, gauge, histogram, summary, untyped). */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(m[1], m[2]);
  return families;
}

/** The family a series name belongs to in `families`: itself, or the histogram or summary its suffix points into. */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  const suffix = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!suffix) return undefined;
  const [, base, part] = suffix;
  const type = families.get(base);
  if (type === "histogram" || (type === "summary" && part !== "bucket")) return base;
  return undefined;
}
