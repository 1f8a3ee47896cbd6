/**
 * Reads the `config:` section of a Pulumi.<stack>.yaml for offline runs.
 *
 * Only the shape `pulumi config set` writes for this project is accepted: one scalar per key,
 * or a `secure:` block for secrets. Encrypted values cannot be read without the Pulumi CLI, so
 * they are skipped and callers supply plain stand-ins through overrides when they need them.
 */
import * as fs from "fs";

/** Plain values by fully-qualified key (`modproxy:image`). */
export type StackFileConfig = Record<string, string>;

function unquote(raw: string): string {
    const value = raw.trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
        return JSON.parse(value) as string;
    }
    if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
        return value.slice(1, -1).replace(/''/g, "'");
    }
    return value;
}

/** Parses the text of a stack file; throws naming the line it does not understand. */
export function parseStackFile(text: string, fileName: string): StackFileConfig {
    const values: StackFileConfig = {};
    let inConfig = false;
    let pendingSecureKey: string | undefined;
    text.split(/\r?\n/).forEach((line, index) => {
        const content = line.replace(/\s+#.*$/, "").replace(/^#.*$/, "");
        if (content.trim() === "") {
            return;
        }
        const fail = (why: string) => new Error(`${fileName}:${index + 1}: ${why}: ${line.trim()}`);
        if (!/^\s/.test(content)) {
            inConfig = content.trim() === "config:";
            return;
        }
        if (!inConfig) {
            return;
        }
        const secure = /^\s{4,}secure:\s*(\S+)$/.exec(content);
        if (pendingSecureKey !== undefined && secure) {
            pendingSecureKey = undefined;
            return;
        }
        const entry = /^\s{2}([A-Za-z0-9_-]+:[A-Za-z0-9_.-]+):(.*)$/.exec(content);
        if (!entry || pendingSecureKey !== undefined) {
            throw fail("expected `  namespace:key: value` or a `secure:` block");
        }
        if (entry[2].trim() === "") {
            pendingSecureKey = entry[1];
        } else {
            values[entry[1]] = unquote(entry[2]);
        }
    });
    if (pendingSecureKey !== undefined) {
        throw new Error(`${fileName}: ${pendingSecureKey} has no value`);
    }
    return values;
}

export function readStackFile(path: string): StackFileConfig {
    return parseStackFile(fs.readFileSync(path, "utf8"), path);
}
