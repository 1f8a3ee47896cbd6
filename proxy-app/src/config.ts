import { z } from "zod";
import { parseGoDuration } from "./duration";
import { ModulePatterns } from "./private-patterns";
import { parseGoSumDb } from "./gosumdb";
import { assertSafeKey } from "./storage/storage";
import { withoutUserinfo } from "./redact";
import { parseSize } from "./size";
import { describeUpstreamList, parseUpstreamList } from "./upstream/list";

export interface ProxyConfig {
  host: string;
  port: number;
  storageDir: string;
  /** GOPROXY-syntax list of upstream proxies. */
  upstream: string;
  upstreamTimeoutMs: number;
  /** Upper bound on one go command run fetching from version control. */
  directTimeoutMs?: number;
  /** .netrc-format credentials for version control hosts (direct fetches) and for upstream proxies. */
  vcsCredentialsFile?: string;
  /** PEM CA certificates trusted for upstream HTTPS besides Node's own roots (a TLS-intercepting egress proxy's). */
  caFile?: string;
  /** Where modules are cached; absent means disk, so callers that only give storageDir keep working. */
  storage?: StorageKind;
  s3Bucket?: string;
  /** "" or "/"-terminated, without a leading "/". */
  s3Prefix?: string;
  /** An S3-compatible server's URL, addressed path-style; absent means AWS itself. */
  s3Endpoint?: string;
  /** File of client tokens; absent means no authentication (a proxy reachable only inside the network). */
  authTokensFile?: string;
  /** Go's GOPRIVATE and GONOPROXY patterns; modules matching the effective GONOPROXY never go to an upstream. */
  goPrivate?: string;
  goNoProxy?: string;
  /** The checksum database served at /sumdb/ (Go's GOSUMDB syntax); absent means any the upstreams serve. */
  goSumDb?: string;
  /** Modules never looked up in the checksum database; defaults to GOPRIVATE. */
  goNoSumDb?: string;
  /** PEM certificate chain and key to serve HTTPS; absent means HTTP (TLS ends at a load balancer). */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Whether a version needs the checksum database's word before it is served and stored; absent means "require". */
  verify?: VerifyMode;
  /** Upper bound on one whole upstream fetch, however steadily the bytes come; absent means 10 minutes. */
  fetchDeadlineMs?: number;
  /** Upstream fetches under way at once, across all clients; absent means 64. */
  maxFetches?: number;
  /** How long a list or @latest answer is fresh; absent means one minute. */
  listTtlMs?: number;
  /** How long a 404/410 answer is remembered; absent means 30 seconds. */
  notFoundTtlMs?: number;
  /** Local directory where zips are spooled while they are checked; absent means beside the disk cache, or the system's temporary directory with S3. */
  spoolDir?: string;
  /** Bytes of small immutable files each process holds in memory; absent means 64 MiB, 0 turns the tier off. */
  memoryCache?: number;
  /** Processes serving requests (`modproxy serve` only); absent means one per CPU the container may use. */
  workers?: number;
  /** Least severe event logged; access lines are info. Absent means "info". */
  logLevel?: LogLevel;
  /** json, pretty, or auto (pretty on a terminal); absent means auto. */
  logFormat?: LogFormat;
  /** Where audit lines go: "off", "stdout" or a file; absent means stdout. */
  auditLog?: string;
}

export const VERIFY_MODES = ["require", "when-available"] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const STORAGE_KINDS = ["disk", "s3"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

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
  /** How a bad value is echoed in messages; by default without URL userinfo. */
  show?: (value: string) => string;
}

/** The single table the parser, `--help` and the README's configuration table are built from. */
export const SETTINGS: readonly Setting[] = [
  { key: "port", env: "PORT", flag: "--port", description: "TCP port to listen on", default: "3000" },
  { key: "host", env: "MODPROXY_HOST", flag: "--host", description: "address to listen on", default: "0.0.0.0" },
  { key: "storage", env: "MODPROXY_STORAGE", flag: "--storage", description: `where modules are cached: ${STORAGE_KINDS.join(" or ")}`, default: "disk" },
  { key: "storageDir", env: "MODPROXY_STORAGE_DIR", flag: "--storage-dir", description: "directory of the disk cache", default: "./data" },
  {
    key: "s3Bucket",
    env: "MODPROXY_S3_BUCKET",
    flag: "--s3-bucket",
    description: "S3 bucket of the cache (region and credentials come from the AWS SDK's usual chain)",
    defaultText: "none; required when MODPROXY_STORAGE is s3",
  },
  {
    key: "s3Prefix",
    env: "MODPROXY_S3_PREFIX",
    flag: "--s3-prefix",
    description: 'key prefix within the bucket; a trailing "/" is added',
    defaultText: "none: keys start at the bucket root",
  },
  {
    key: "s3Endpoint",
    env: "MODPROXY_S3_ENDPOINT",
    flag: "--s3-endpoint",
    description: "URL of an S3-compatible server, addressed path-style",
    defaultText: "AWS S3 in the SDK's region",
  },
  {
    key: "upstream",
    env: "MODPROXY_UPSTREAM",
    flag: "--upstream",
    description:
      'upstream proxies in GOPROXY syntax: "," falls through on 404/410, "|" on any error, "off" stops, "direct" fetches from version control with the go command',
    defaultText: "the go command's own default proxy (from the installed toolchain's go.env)",
    show: describeUpstreamList,
  },
  {
    key: "upstreamTimeoutMs",
    env: "MODPROXY_UPSTREAM_TIMEOUT",
    flag: "--upstream-timeout",
    description: "upper bound on connecting to an upstream and on each silence while reading (Go duration)",
    default: "30s",
  },
  {
    key: "directTimeoutMs",
    env: "MODPROXY_DIRECT_TIMEOUT",
    flag: "--direct-timeout",
    description: "upper bound on one go command run fetching from version control (direct and GONOPROXY modules), clones included (Go duration)",
    default: "5m",
  },
  {
    key: "vcsCredentialsFile",
    env: "MODPROXY_VCS_CREDENTIALS_FILE",
    flag: "--vcs-credentials-file",
    description:
      ".netrc-format file of credentials, re-read when it changes: for version control hosts when fetching direct and GONOPROXY modules, and for upstream proxies and the checksum database (machine = the URL's host, with its port if it has one; sent over HTTPS only)",
    defaultText: "none: version control hosts and upstreams are reached without credentials",
  },
  {
    key: "caFile",
    env: "MODPROXY_CA_FILE",
    flag: "--ca-file",
    description:
      "PEM file of CA certificates trusted for upstream and checksum database HTTPS besides Node's own roots, e.g. a TLS-intercepting egress proxy's CA; read once at start",
    defaultText: "none: Node's own roots only",
  },
  {
    key: "authTokensFile",
    env: "MODPROXY_AUTH_TOKENS_FILE",
    flag: "--auth-tokens-file",
    description: "file of client tokens, one per line, re-read when it changes; clients send one as a Bearer token or as the Basic auth password (.netrc)",
    defaultText: "none: no authentication",
  },
  { key: "goPrivate", env: "GOPRIVATE", flag: "--goprivate", description: "Go's private module patterns; the default of GONOPROXY", defaultText: "none" },
  {
    key: "goNoProxy",
    env: "GONOPROXY",
    flag: "--gonoproxy",
    description:
      "modules never sent to an upstream proxy: fetched from version control with the go command (as GOPROXY=direct would), as the go command reads it",
    defaultText: "GOPRIVATE",
  },
  {
    key: "goSumDb",
    env: "GOSUMDB",
    flag: "--gosumdb",
    description:
      'the checksum database served under /sumdb/, as "name", "name+key" or "name+key url" (with a URL it is reached there, else through the upstreams); "off" is refused',
    defaultText: "any database the upstreams serve",
  },
  {
    key: "goNoSumDb",
    env: "GONOSUMDB",
    flag: "--gonosumdb",
    description: "modules never looked up in the checksum database, so their names stay inside (GONOPROXY modules never are either)",
    defaultText: "GOPRIVATE",
  },
  {
    key: "tlsCertFile",
    env: "MODPROXY_TLS_CERT_FILE",
    flag: "--tls-cert-file",
    description: "PEM certificate chain to serve HTTPS with (with MODPROXY_TLS_KEY_FILE)",
    defaultText: "none: plain HTTP, for TLS ending at a load balancer",
  },
  { key: "tlsKeyFile", env: "MODPROXY_TLS_KEY_FILE", flag: "--tls-key-file", description: "PEM private key of that certificate", defaultText: "none" },
  {
    key: "verify",
    env: "MODPROXY_VERIFY",
    flag: "--verify",
    description:
      'checksum-database verification of modules not in GONOSUMDB: "require" serves and stores nothing the database has not vouched for; "when-available" serves and stores a version that passed the structural checks marked unverified while the database cannot be reached, verifies it once it can and purges it on a mismatch',
    default: "require",
  },
  {
    key: "fetchDeadlineMs",
    env: "MODPROXY_FETCH_DEADLINE",
    flag: "--fetch-deadline",
    description: "upper bound on one whole upstream fetch, however steadily the bytes come (Go duration)",
    default: "10m",
  },
  {
    key: "maxFetches",
    env: "MODPROXY_MAX_FETCHES",
    flag: "--max-fetches",
    description: "upstream fetches under way at once; further ones wait their turn",
    default: "64",
  },
  {
    key: "listTtlMs",
    env: "MODPROXY_LIST_TTL",
    flag: "--list-ttl",
    description:
      "how long a stored list or @latest answer is fresh; after that it is revalidated, and served while that runs or when the upstream fails (Go duration)",
    default: "1m",
  },
  {
    key: "notFoundTtlMs",
    env: "MODPROXY_NOT_FOUND_TTL",
    flag: "--not-found-ttl",
    description: "how long an upstream's 404/410 is remembered, so the go command's probes of parent paths are answered at once (Go duration)",
    default: "30s",
  },
  {
    key: "spoolDir",
    env: "MODPROXY_SPOOL_DIR",
    flag: "--spool-dir",
    description: "local directory where a fetched zip waits while it is checked, before it is stored",
    defaultText: "<storage dir>/.spool on disk storage, the system's temporary directory with S3",
  },
  {
    key: "memoryCache",
    env: "MODPROXY_MEMORY_CACHE",
    flag: "--memory-cache",
    description:
      "memory each worker gives to small immutable files (.info, .mod, zips up to 1 MiB and a 16th of this, checksum-database tiles), least recently used out first, e.g. 64MiB, 512KiB; 0 turns it off",
    default: "64MiB",
  },
  {
    key: "workers",
    env: "MODPROXY_WORKERS",
    flag: "--workers",
    description: "worker processes sharing the port, the storage and the upstream fetches; 1 serves from a single process",
    defaultText: "the CPUs the container may use: the cgroup's cpu.max quota, else the CPUs the process may run on",
  },
  {
    key: "logLevel",
    env: "MODPROXY_LOG_LEVEL",
    flag: "--log-level",
    description: `least severe line written to stdout: ${LOG_LEVELS.join(", ")}; access lines are info, what went wrong warn or error`,
    default: "info",
  },
  {
    key: "logFormat",
    env: "MODPROXY_LOG_FORMAT",
    flag: "--log-format",
    description: 'log lines as "json" (one object a line), "pretty" (for people), or "auto": pretty when stdout is a terminal, else json',
    default: "auto",
  },
  {
    key: "auditLog",
    env: "MODPROXY_AUDIT_LOG",
    flag: "--audit-log",
    description:
      'where a line for each module version file a client fetched goes (its token\'s name or fingerprint, never the token): "stdout" among the other lines, a file to append to, or "off" (the access lines name the client too)',
    default: "off",
  },
];

/** One bad setting, as the message names it: `MODPROXY_LIST_TTL (--list-ttl) = "0s": must be at least 1ms`. */
export interface SettingProblem {
  key: keyof ProxyConfig;
  text: string;
}

/** Every bad setting at once; `problems` lets a caller that chose the values (the blueprint) say which of its own they were. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly SettingProblem[]) {
    super(`invalid configuration:\n  ${problems.map((p) => p.text).join("\n  ")}`);
  }
}

/** AWS's general purpose bucket naming rules (docs: "Bucket naming rules"), minus the reserved affixes. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const schema = z
  .object({
    host: z.string().min(1, "must not be empty"),
    port: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(0).max(65535, "must be at most 65535")),
    storageDir: z.string().min(1, "must not be empty"),
    upstream: z.string({ error: "required: there is no default without a go toolchain to read it from" }).superRefine((value, ctx) => {
      try {
        parseUpstreamList(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    }),
    upstreamTimeoutMs: z.string().transform(toMilliseconds),
    directTimeoutMs: z.string().transform(toMilliseconds),
    vcsCredentialsFile: z.string().optional(),
    caFile: z.string().optional(),
    storage: z.enum(STORAGE_KINDS, { error: `must be ${STORAGE_KINDS.map((k) => `"${k}"`).join(" or ")}` }),
    s3Bucket: z
      .string()
      .refine(
        (b) => BUCKET_NAME.test(b) && !b.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(b),
        "must be a bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address",
      )
      .optional(),
    s3Prefix: z
      .string()
      .optional()
      .transform((p, ctx) => {
        if (p === undefined) return "";
        const normalized = p.endsWith("/") ? p : `${p}/`;
        try {
          assertSafeKey(normalized, { prefix: true });
        } catch {
          ctx.addIssue({ code: "custom", message: 'must be "/"-separated names without a leading "/" or empty, "." or ".." parts' });
        }
        return normalized;
      }),
    authTokensFile: z.string().optional(),
    goPrivate: z.string().superRefine(checkPatterns).optional(),
    goNoProxy: z.string().superRefine(checkPatterns).optional(),
    goNoSumDb: z.string().superRefine(checkPatterns).optional(),
    goSumDb: z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseGoSumDb(value);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message });
        }
      })
      .optional(),
    tlsCertFile: z.string().optional(),
    tlsKeyFile: z.string().optional(),
    verify: z.enum(VERIFY_MODES, { error: `must be ${VERIFY_MODES.map((k) => `"${k}"`).join(" or ")}` }),
    fetchDeadlineMs: z.string().transform(toMilliseconds),
    maxFetches: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(1, "must be at least 1")),
    listTtlMs: z.string().transform(toMilliseconds),
    notFoundTtlMs: z.string().transform(toMilliseconds),
    spoolDir: z.string().min(1, "must not be empty").optional(),
    memoryCache: z.string().transform(toBytes),
    workers: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(1, "must be at least 1")).optional(),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }),
    logFormat: z.enum(LOG_FORMATS, { error: `must be ${LOG_FORMATS.map((k) => `"${k}"`).join(", ")}` }),
    auditLog: z.string().min(1, "must not be empty"),
    s3Endpoint: z
      .string()
      .refine((u) => URL.canParse(u) && ["http:", "https:"].includes(new URL(u).protocol), "must be an http:// or https:// URL")
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.storage === "s3" && c.s3Bucket === undefined) ctx.addIssue({ code: "custom", path: ["s3Bucket"], message: "required when MODPROXY_STORAGE is s3" });
    if ((c.tlsCertFile === undefined) !== (c.tlsKeyFile === undefined)) {
      const missing = c.tlsCertFile === undefined ? "tlsCertFile" : "tlsKeyFile";
      ctx.addIssue({ code: "custom", path: [missing], message: "the TLS certificate and key go together: set both or neither" });
    }
  });

export interface LoadOptions {
  /** Where MODPROXY_UPSTREAM's default comes from (the CLI reads the go toolchain's); without it the setting is required, and loading runs nothing. */
  defaultUpstream?: () => string | undefined;
}

/**
 * Builds the configuration from flags (winning) and environment variables;
 * throws one ConfigError naming every bad value. Pure unless `options` says otherwise,
 * so the blueprint checks a stack's values with it at plan time.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Partial<Record<keyof ProxyConfig, string>> = {}, options: LoadOptions = {}): ProxyConfig {
  const raw: Record<string, string | undefined> = {};
  for (const s of SETTINGS) raw[s.key] = flags[s.key] ?? emptyToUndefined(env[s.env]) ?? s.default;
  raw.upstream ??= options.defaultUpstream?.();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const s = SETTINGS.find((x) => x.key === issue.path[0])!;
        const given = raw[s.key];
        const value = given === undefined ? "is not set" : `= "${(s.show ?? withoutUserinfo)(given)}"`;
        return { key: s.key, text: `${settingName(s.key)} ${value}: ${issue.message}` };
      }),
    );
  }
  return parsed.data;
}

/** The environment variables that hand the proxy these settings, named by SETTINGS; unset ones are left out. */
export function settingsEnvironment<V>(values: { readonly [K in keyof ProxyConfig]?: V }): Record<string, V> {
  const env: Record<string, V> = {};
  for (const s of SETTINGS) {
    const value = values[s.key];
    if (value !== undefined) env[s.env] = value;
  }
  return env;
}

/** A setting as messages name it: "MODPROXY_CA_FILE (--ca-file)". */
export function settingName(key: keyof ProxyConfig): string {
  const s = SETTINGS.find((x) => x.key === key)!;
  return `${s.env} (${s.flag})`;
}

/** A setting's default as the parser reads it, for callers that build a ProxyConfig themselves. */
export function defaultOf<K extends keyof ProxyConfig>(key: K): NonNullable<ProxyConfig[K]> {
  const setting = SETTINGS.find((s) => s.key === key);
  if (setting?.default === undefined) throw new Error(`setting ${key} has no fixed default`);
  return schema.shape[key].parse(setting.default) as NonNullable<ProxyConfig[K]>;
}

function toMilliseconds(value: string, ctx: z.RefinementCtx): number {
  try {
    const ms = parseGoDuration(value);
    if (ms < 1) ctx.addIssue({ code: "custom", message: "must be at least 1ms" });
    return ms;
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
}

function toBytes(value: string, ctx: z.RefinementCtx): number {
  try {
    return parseSize(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
}

function checkPatterns(value: string, ctx: z.RefinementCtx): void {
  try {
    new ModulePatterns(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}
