/**
 * Reads the `config:` section of a Pulumi.<stack>.yaml for offline runs.
 *
 * Only the shape `pulumi config set` writes for this project is accepted: one scalar per key,
 * or a `secure:` block for secrets. Encrypted values cannot be read without the Pulumi CLI, so
 * their keys are kept with no value, as secret keys; callers supply stand-ins when they need them.
 */
import * as fs from "fs";
import type { ConfigSource } from "./config";

/** A YAML scalar: quoted (a comment may follow the closing quote) or plain (up to a ` #` comment). */
function scalar(raw: string): string {
  const text = raw.trim();
  const doubleQuoted = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(text);
  if (doubleQuoted) {
    return JSON.parse(`"${doubleQuoted[1]}"`) as string;
  }
  const singleQuoted = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
  if (singleQuoted) {
    return singleQuoted[1].replace(/''/g, "'");
  }
  return text.replace(/\s+#.*$/, "");
}

/** Parses the text of a stack file; throws naming the line it does not understand. */
export function parseStackFile(text: string, fileName: string): ConfigSource {
  const values: Record<string, string | undefined> = {};
  const secretKeys: string[] = [];
  let inConfig = false;
  let pendingSecureKey: string | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*(#.*)?$/.test(line)) {
      return;
    }
    const content = line.replace(/\s+$/, "");
    const fail = (why: string) => new Error(`${fileName}:${index + 1}: ${why}: ${line.trim()}`);
    if (!/^\s/.test(content)) {
      inConfig = scalar(content) === "config:";
      return;
    }
    if (!inConfig) {
      return;
    }
    const secure = /^\s{4,}secure:\s*\S+/.exec(content);
    if (pendingSecureKey !== undefined && secure) {
      values[pendingSecureKey] = undefined;
      secretKeys.push(pendingSecureKey);
      pendingSecureKey = undefined;
      return;
    }
    const entry = /^\s{2}([A-Za-z0-9_-]+:[A-Za-z0-9_.-]+):(.*)$/.exec(content);
    if (!entry || pendingSecureKey !== undefined) {
      throw fail("expected `  namespace:key: value` or a `secure:` block");
    }
    if (scalar(entry[2]) === "") {
      pendingSecureKey = entry[1];
    } else {
      values[entry[1]] = scalar(entry[2]);
    }
  });
  if (pendingSecureKey !== undefined) {
    throw new Error(`${fileName}: ${pendingSecureKey} has no value`);
  }
  return { values, secretKeys };
}

export function readStackFile(path: string): ConfigSource {
  return parseStackFile(fs.readFileSync(path, "utf8"), path);
}
