/**
 * Readers of the files that say which module versions a Go build needs:
 * go.mod's require and replace directives, go.sum's hash lines and go.work's
 * use and replace directives (go.dev/ref/mod#go-mod-file, #go-work-file).
 * They read what `modproxy warm` needs and skip every other directive.
 */

export class GoFileError extends Error {}

export interface ModuleVersion {
  module: string;
  version: string;
}

/** Where a module version was named: "<file>:<line>", for messages. */
export interface Named {
  at: string;
}

/** `replace from [fromVersion] => to [toVersion]`; without a toVersion, `to` is a directory. */
export interface Replacement extends Named {
  from: string;
  /** Absent: every version of `from` is replaced. */
  fromVersion?: string;
  to: string;
  toVersion?: string;
}

export interface GoMod {
  /** The module directive's path; absent in a go.mod without one. */
  module?: string;
  require: (ModuleVersion & Named)[];
  replace: Replacement[];
}

export interface GoWork {
  /** Directories of the workspace's modules, as written (relative to the go.work's directory). */
  use: string[];
  replace: Replacement[];
}

export interface GoSumLine extends ModuleVersion, Named {
  /** True for a "<version>/go.mod" line: the hash of the .mod alone. */
  goModOnly: boolean;
  /** "h1:..." */
  hash: string;
}

/** One directive: its verb and arguments, from a line of its own or a line of a `verb ( ... )` block. */
interface Directive {
  verb: string;
  args: string[];
  line: number;
}

/** Reads go.sum lines: "<module> <version>[/go.mod] <hash>". Blank lines are allowed, as go allows them. */
export function parseGoSum(text: string, file: string): GoSumLine[] {
  const lines: GoSumLine[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === "") continue;
    const fail = (why: string) => new GoFileError(`${file}:${i + 1}: ${why}`);
    if (fields.length !== 3) throw fail('malformed line: want "<module> <version>[/go.mod] <hash>"');
    const [module, versionField, hash] = fields;
    const goModOnly = versionField.endsWith("/go.mod");
    const version = goModOnly ? versionField.slice(0, -"/go.mod".length) : versionField;
    if (!/^h\d+:/.test(hash)) throw fail(`"${hash}" is not a go.sum hash`);
    lines.push({ module, version, goModOnly, hash, at: `${file}:${i + 1}` });
  }
  return lines;
}

export function parseGoMod(text: string, file: string): GoMod {
  const mod: GoMod = { require: [], replace: [] };
  for (const d of directives(text, file)) {
    const fail = (why: string) => new GoFileError(`${file}:${d.line}: ${why}`);
    if (d.verb === "module") {
      if (d.args.length !== 1) throw fail("usage: module module/path");
      mod.module = d.args[0];
    } else if (d.verb === "require") {
      if (d.args.length !== 2) throw fail("usage: require module/path v1.2.3");
      mod.require.push({ module: d.args[0], version: d.args[1], at: `${file}:${d.line}` });
    } else if (d.verb === "replace") {
      mod.replace.push(replacement(d.args, `${file}:${d.line}`, fail));
    }
  }
  return mod;
}

export function parseGoWork(text: string, file: string): GoWork {
  const work: GoWork = { use: [], replace: [] };
  for (const d of directives(text, file)) {
    const fail = (why: string) => new GoFileError(`${file}:${d.line}: ${why}`);
    if (d.verb === "use") {
      if (d.args.length !== 1) throw fail("usage: use local/dir");
      work.use.push(d.args[0]);
    } else if (d.verb === "replace") {
      work.replace.push(replacement(d.args, `${file}:${d.line}`, fail));
    }
  }
  return work;
}

/** The replacement for module@version: one naming that version wins over one for every version, as in go. */
export function replacementOf(replace: Replacement[], module: string, version: string): Replacement | undefined {
  return replace.find((r) => r.from === module && r.fromVersion === version) ?? replace.find((r) => r.from === module && r.fromVersion === undefined);
}

function replacement(args: string[], at: string, fail: (why: string) => GoFileError): Replacement {
  const arrow = args.indexOf("=>");
  const left = args.slice(0, arrow);
  const right = args.slice(arrow + 1);
  if (arrow < 0 || left.length < 1 || left.length > 2 || right.length < 1 || right.length > 2) {
    throw fail("usage: replace module/path [v1.2.3] => other/module v1.4.5 or local/directory");
  }
  return { from: left[0], fromVersion: left[1], to: right[0], toVersion: right[1], at };
}

/** The directives of a go.mod or go.work, with `//` comments gone and quoted arguments unquoted. */
function directives(text: string, file: string): Directive[] {
  const found: Directive[] = [];
  let block: string | undefined;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = i + 1;
    const tokens = tokenize(raw, (why) => new GoFileError(`${file}:${line}: ${why}`));
    if (tokens.length === 0) continue;
    if (block !== undefined) {
      if (tokens.length === 1 && tokens[0] === ")") block = undefined;
      else found.push({ verb: block, args: tokens, line });
      continue;
    }
    const [verb, ...args] = tokens;
    if (args.length === 1 && args[0] === "(") block = verb;
    else if (!(args.length === 2 && args[0] === "(" && args[1] === ")")) found.push({ verb, args, line });
  }
  if (block !== undefined) throw new GoFileError(`${file}: the ${block} block is not closed`);
  return found;
}

/** Words, "=>", parentheses and quoted strings ("..." with escapes, `...` raw), up to a `//` comment. */
function tokenize(line: string, fail: (why: string) => Error): string[] {
  const tokens: string[] = [];
  const token = /\s*(?:(\/\/.*)|("(?:[^"\\]|\\.)*")|`([^`]*)`|(=>|[()])|((?:(?!=>|\/\/)[^\s()"`])+)|(\S))/gy;
  for (let m = token.exec(line); m !== null; m = token.exec(line)) {
    const [, comment, quoted, raw, punct, word, stray] = m;
    if (comment !== undefined) break;
    if (stray !== undefined) throw fail("unterminated quoted string");
    tokens.push(quoted !== undefined ? unquote(quoted, fail) : (raw ?? punct ?? word));
  }
  return tokens;
}

/** Go's and JSON's escapes agree on everything a module path or directory name needs. */
function unquote(quoted: string, fail: (why: string) => Error): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw fail(`cannot read the quoted string ${quoted}`);
  }
}
