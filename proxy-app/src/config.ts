import { z } from "zod";
import { parseGoDuration } from "./duration";
import { goToolchainDefaultProxy } from "./go-toolchain";
import { parseUpstreamList } from "./upstream/chain";

export interface ProxyConfig {
  host: string;
  port: number;
  storageDir: string;
  /** GOPROXY-syntax list of upstream proxies. */
  upstream: string;
  upstreamTimeoutMs: number;
}

/** One setting: its environment variable, its `modproxy serve` flag and its default. */
interface Setting {
  key: keyof ProxyConfig;
  env: string;
  flag: string;
  description: string;
  /** The value used when neither flag nor variable is given; absent where it is computed. */
  default?: string;
  /** How the default is described where it is computed. */
  defaultText?: string;
}

/** The single table the parser, `--help` and the README's configuration table are built from. */
export const SETTINGS: readonly Setting[] = [
  { key: "port", env: "PORT", flag: "--port", description: "TCP port to listen on", default: "3000" },
  { key: "host", env: "MODPROXY_HOST", flag: "--host", description: "address to listen on", default: "0.0.0.0" },
  { key: "storageDir", env: "MODPROXY_STORAGE_DIR", flag: "--storage-dir", description: "directory of the disk cache", default: "./data" },
  {
    key: "upstream",
    env: "MODPROXY_UPSTREAM",
    flag: "--upstream",
    description: 'upstream proxies in GOPROXY syntax: "," falls through on 404/410, "|" on any error, "off" stops',
    defaultText: "the go command's own default proxy (from the installed toolchain's go.env)",
  },
  { key: "upstreamTimeoutMs", env: "MODPROXY_UPSTREAM_TIMEOUT", flag: "--upstream-timeout", description: "upper bound on connecting to an upstream and on each silence while reading (Go duration)", default: "30s" },
];

export class ConfigError extends Error {}

const schema = z.object({
  host: z.string().min(1, "must not be empty"),
  port: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(0).max(65535, "must be at most 65535")),
  storageDir: z.string().min(1, "must not be empty"),
  upstream: z.string().superRefine((value, ctx) => {
    try {
      parseUpstreamList(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
  upstreamTimeoutMs: z.string().transform((value, ctx) => {
    try {
      const ms = parseGoDuration(value);
      if (ms < 1) ctx.addIssue({ code: "custom", message: "must be at least 1ms" });
      return ms;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  }),
});

/**
 * Builds the configuration from flags (winning) and environment variables;
 * throws one ConfigError naming every bad value.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<keyof ProxyConfig, string>> = {}): ProxyConfig {
  const raw: Record<string, string | undefined> = {};
  for (const s of SETTINGS) raw[s.key] = flags[s.key] ?? emptyToUndefined(env[s.env]) ?? s.default;
  if (raw.upstream === undefined) {
    raw.upstream = goToolchainDefaultProxy();
    if (raw.upstream === undefined) {
      throw new ConfigError("MODPROXY_UPSTREAM is not set and no go toolchain was found to read the default proxy from: set MODPROXY_UPSTREAM (or --upstream)");
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const s = SETTINGS.find((x) => x.key === issue.path[0])!;
      return `${s.env} (${s.flag}) = "${raw[s.key]}": ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}
