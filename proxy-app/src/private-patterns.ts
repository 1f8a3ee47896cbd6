/**
 * Go's module path prefix patterns (GOPRIVATE, GONOPROXY, GONOSUMDB): a
 * comma-separated list of path.Match globs, each matched against as many
 * leading path elements of a module path as the glob has
 * (golang.org/x/mod/module.MatchPrefixPatterns).
 */

export class PatternError extends Error {}

interface CompiledPattern {
  elements: number;
  regex: RegExp;
}

/** Translates one path.Match glob to a regular expression; `*` and `?` never cross a "/". */
function globToRegex(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\") {
      if (i + 1 >= glob.length) throw new PatternError(`pattern "${glob}" ends in a lone backslash`);
      out += escapeRegex(glob[++i]);
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) throw new PatternError(`pattern "${glob}" has an unclosed "["`);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      if (body === "") throw new PatternError(`pattern "${glob}" has an empty character class`);
      out += `[${negate ? "^/" : ""}${body.replace(/[\]\\^]/g, "\\$&")}]`;
      i = end;
    } else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A parsed pattern list; an empty list matches nothing. */
export class ModulePatterns {
  private readonly patterns: CompiledPattern[];

  constructor(readonly source: string) {
    this.patterns = source
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "")
      .map((p) => ({ elements: p.replace(/\/+$/, "").split("/").length, regex: globToRegex(p.replace(/\/+$/, "")) }));
  }

  /** True when nothing can match: no patterns, or only "none" (how GONOPROXY=none overrides GOPRIVATE). */
  isEmpty(): boolean {
    return this.source.split(",").every((p) => p.trim() === "" || p.trim() === "none");
  }

  /** True when some pattern matches a leading part of the module path. */
  matches(modulePath: string): boolean {
    const elems = modulePath.split("/");
    return this.patterns.some((p) => elems.length >= p.elements && p.regex.test(elems.slice(0, p.elements).join("/")));
  }
}
