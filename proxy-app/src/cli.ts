#!/usr/bin/env node
import cluster from "node:cluster";
import net from "node:net";
import { parseArgs } from "node:util";
import { version as PACKAGE_VERSION } from "../../package.json";
import { buildProxyServices, directFetchSettings, startProxy, TlsFileError } from "./app";
import { defaultWorkers, runPrimary, WorkerLink } from "./cluster";
import { auditStore, formatAuditSummary } from "./audit";
import { TokenFileError } from "./auth";
import { AuditLogError, createLogs } from "./logs";
import { ConfigError, defaultOf, loadConfig, ProxyConfig, SETTINGS } from "./config";
import { parseGoDuration } from "./duration";
import { collectGarbage, GcOptions, PinList } from "./gc";
import { formatSize, parseSize } from "./size";
import { GoFileError } from "./gofiles";
import { goToolchainDefaultProxy } from "./go-toolchain";
import { NetrcFileError } from "./netrc";
import { Progress } from "./progress";
import { storageFromConfig } from "./storage/from-config";
import { StorageUnavailableError } from "./storage/storage";
import { UpstreamListError } from "./upstream/list";
import { EgressConfigError } from "./upstream/egress";
import { GoDirectSetupError, requireDirectTools } from "./upstream/go-direct";
import { formatSummary, readWarmTargets, warm, WarmTarget } from "./warm";

const USAGE = `modproxy: a private Go module proxy

Usage:
  modproxy serve [flags]               serve the GOPROXY protocol, caching every module it serves
  modproxy warm [flags] <path>...      fetch, check and store every module version a build needs, with its
                                       checksum-database record, so the proxy serves the build with the upstreams gone
  modproxy verify [--purge] [flags]    check every stored version file against its record and the checksum database
  modproxy gc [gc flags] [flags]       remove versions not used for a while, or the least recently used beyond a size
  modproxy version, --version          print the version of modproxy
  modproxy --help                      this text

warm reads go.mod files (require directives; a module replaced by a directory is skipped), go.sum files,
go.work files (their modules' go.mod and go.sum, and go.work.sum) and directories (their go.work, else
their go.mod and go.sum). A version whose go.sum line differs from the hash the proxy verified fails.
verify writes the record of a file stored without one once it passes; --purge removes the files that fail,
so the proxy fetches them again. Without --purge nothing but records is changed.
gc flags: --unused-for <duration> (e.g. 720h) removes versions not served for that long; --max-size <size>
(e.g. 50GB, 40GiB) then removes the least recently used until the store fits; --keep <file> names versions never
removed (lines "module@version" or "module", # comments); --delete acts (without it gc only says what it would do).
Exit status: 0 all done, 1 a version failed to warm or a stored file failed its checks, 2 bad usage or configuration,
or serve could not start (the port, the storage directory or the bucket it names cannot be used: one line says which).

Flags of every command (each also read from its environment variable; a flag wins):
${SETTINGS.map((s) => `  ${`${s.flag} <value>`.padEnd(26)} ${s.env}: ${s.description} (default: ${s.defaultText ?? s.default})`).join("\n")}
`;

const VERBS = ["serve", "warm", "verify", "gc"] as const;

const VERB_FLAGS = {
  verify: { purge: { type: "boolean" as const } },
  gc: {
    "unused-for": { type: "string" as const },
    "max-size": { type: "string" as const },
    keep: { type: "string" as const },
    delete: { type: "boolean" as const },
  },
};

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    process.stdout.write(USAGE);
    return verb === undefined ? 2 : 0;
  }
  if (verb === "--version" || verb === "version") {
    process.stdout.write(`modproxy ${PACKAGE_VERSION}\n`);
    return 0;
  }
  if (!(VERBS as readonly string[]).includes(verb)) {
    process.stderr.write(`modproxy: unknown command "${verb}"\n\n${USAGE}`);
    return 2;
  }
  const settingFlags = Object.fromEntries(SETTINGS.map((s) => [s.flag.slice(2), { type: "string" as const }]));
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    ...settingFlags,
    help: { type: "boolean" as const, short: "h" },
    ...(verb === "verify" || verb === "gc" ? VERB_FLAGS[verb] : {}),
  };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options, allowPositionals: verb === "warm", strict: true }));
  } catch (err) {
    process.stderr.write(`modproxy ${verb}: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const flags: Partial<Record<keyof ProxyConfig, string>> = {};
  for (const s of SETTINGS) {
    const v = values[s.flag.slice(2)];
    if (typeof v === "string") flags[s.key] = v;
  }

  let config: ProxyConfig;
  try {
    config = loadConfig(process.env, flags, { defaultUpstream: goToolchainDefaultProxy });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UpstreamListError) {
      process.stderr.write(`modproxy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    if (verb === "serve") return await serve(config);
    if (verb === "warm") return await runWarm(config, positionals);
    if (verb === "gc") return await runGc(config, values);
    return await runVerify(config, values.purge === true);
  } catch (err) {
    if (isStartupError(err)) {
      process.stderr.write(`modproxy: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

/** A file or setting the services need at start is unusable: a configuration error. */
function isStartupError(err: unknown): boolean {
  return (
    err instanceof TokenFileError ||
    err instanceof AuditLogError ||
    err instanceof TlsFileError ||
    err instanceof GoDirectSetupError ||
    err instanceof NetrcFileError ||
    err instanceof EgressConfigError ||
    // The directory or bucket the settings name cannot be used (warm, verify and gc open it without serve's check).
    err instanceof StorageUnavailableError
  );
}

async function serve(config: ProxyConfig): Promise<number> {
  const logs = createLogs({
    level: config.logLevel ?? defaultOf("logLevel"),
    format: config.logFormat ?? defaultOf("logFormat"),
    audit: config.auditLog ?? defaultOf("auditLog"),
  });
  // What the proxy's parts report is something that went wrong, or is about to be worked around.
  const log = (msg: string) => logs.events.warn(msg);
  const workers = config.workers ?? defaultWorkers();
  const link = cluster.isWorker ? new WorkerLink() : undefined;
  // Checked once, before any worker starts: the workers share the storage and the machine's tools.
  const unusable = link
    ? undefined
    : ((await storageProblem(config)) ?? (await directProblem(config)) ?? (workers > 1 ? await portProblem(config) : undefined));
  if (unusable !== undefined) {
    process.stderr.write(`modproxy: ${unusable}\n`);
    return 2;
  }
  const banner = (url: string) =>
    process.stdout.write(
      `modproxy serving on ${url} (storage: ${describeStorage(config)}, upstream: ${config.upstream}` +
        `${workers > 1 ? `, ${workers} workers` : ""})\nPoint the go command at it with:\n  export GOPROXY=${url}\n`,
    );
  if (workers > 1 && cluster.isPrimary) return runPrimary({ workers, log, onReady: banner });
  let proxy;
  try {
    proxy = await startProxy(config, log, { cluster: link, logs });
  } catch (err) {
    const why = listenProblem(config, err);
    if (why === undefined) throw err;
    process.stderr.write(`modproxy: ${why}\n`);
    return 2;
  }
  if (link) link.ready(proxy.url);
  else banner(proxy.url);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // A terminal's Ctrl-C reaches a worker twice: directly, and as SIGTERM from the primary.
      if (stopping) return;
      stopping = true;
      logs.events.info(`${signal}: finishing requests in flight, then exiting`);
      proxy.close().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

async function runWarm(config: ProxyConfig, inputs: string[]): Promise<number> {
  if (inputs.length === 0) {
    process.stderr.write(`modproxy warm: name at least one go.mod, go.sum, go.work or directory\n\n${USAGE}`);
    return 2;
  }
  let targets: WarmTarget[];
  try {
    // Read before storage is opened, so a wrong path changes nothing.
    targets = await readWarmTargets(inputs);
  } catch (err) {
    if (!(err instanceof GoFileError)) throw err;
    process.stderr.write(`modproxy warm: ${err.message}\n`);
    return 2;
  }
  const progress = new Progress(process.stdout, process.stderr);
  const services = await buildProxyServices(config, (msg) => progress.line(msg, "err"));
  progress.line(`warming ${targets.length} module versions into ${describeStorage(config)} from ${config.upstream}`);
  try {
    const summary = await warm(services, targets, progress);
    process.stdout.write(`${formatSummary(summary)}\n`);
    return summary.failed.length === 0 ? 0 : 1;
  } finally {
    await services.close();
  }
}

async function runVerify(config: ProxyConfig, purge: boolean): Promise<number> {
  const progress = new Progress(process.stdout, process.stderr);
  const services = await buildProxyServices(config, (msg) => progress.line(msg, "err"));
  progress.line(`verifying ${describeStorage(config)}${purge ? ", removing the files that fail" : ""}`);
  try {
    const summary = await auditStore(services, { purge, mode: config.verify ?? defaultOf("verify"), spoolDir: config.spoolDir, progress });
    process.stdout.write(`${formatAuditSummary(summary, purge)}\n`);
    return summary.unreadable.length > 0 || summary.mismatched.some((m) => !m.purged) ? 1 : 0;
  } finally {
    await services.close();
  }
}

/**
 * Why the configured storage cannot be used, checked as the readiness probe checks it (a probe written to disk,
 * HeadBucket on S3), so the proxy does not say "serving" while every request would fail.
 */
async function storageProblem(config: ProxyConfig): Promise<string | undefined> {
  const setting = config.storage === "s3" ? envName("s3Bucket") : envName("storageDir");
  try {
    const storage = await storageFromConfig(config);
    await storage.checkReady();
    return undefined;
  } catch (err) {
    return `cannot use the storage ${describeStorage(config)} (${setting}): ${(err as Error).message.split("\n")[0]}`;
  }
}

/**
 * Why modules cannot be fetched from version control where the settings ask
 * for it: the go command or git is missing, as in the slim image.
 */
async function directProblem(config: ProxyConfig): Promise<string | undefined> {
  const settings = directFetchSettings(config);
  if (settings.length === 0) return undefined;
  const asking = settings.map((key) => `${envName(key)}=${config[key]}`).join(", ");
  try {
    await requireDirectTools(`fetching modules from version control (${asking})`);
    return undefined;
  } catch (err) {
    if (!(err instanceof GoDirectSetupError)) throw err;
    return `${err.message}; the slim image has neither go nor git: run the full one`;
  }
}

/**
 * Whether the port can be bound, tried once before the workers start: each
 * of them would otherwise fail to listen and say so, one line each.
 */
async function portProblem(config: ProxyConfig): Promise<string | undefined> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, resolve);
    });
    return undefined;
  } catch (err) {
    const why = listenProblem(config, err);
    if (why === undefined) throw err;
    return why;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Messages for the errors binding the port can end in. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "address not available on this host",
  ENOTFOUND: "no such host",
};

/** One line naming the address and its settings, when err is a failure to listen. */
function listenProblem(config: ProxyConfig, err: unknown): string | undefined {
  const { code, syscall } = err as NodeJS.ErrnoException;
  // A cluster worker's listen fails in the primary's bind, and comes back with that syscall.
  if (!["listen", "bind", "getaddrinfo"].includes(syscall ?? "") || code === undefined) return undefined;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return `cannot listen on ${host}:${config.port} (${envName("host")}, ${envName("port")}): ${LISTEN_ERRORS[code] ?? code}`;
}

/** A setting's environment variable: error lines name it; the help maps it to its flag. */
function envName(key: keyof ProxyConfig): string {
  return SETTINGS.find((s) => s.key === key)!.env;
}

async function runGc(config: ProxyConfig, values: Record<string, string | boolean | undefined>): Promise<number> {
  const o: GcOptions = { pins: PinList.none(), delete: values.delete === true };
  try {
    if (typeof values["unused-for"] === "string") o.unusedForMs = parseGoDuration(values["unused-for"]);
    if (typeof values["max-size"] === "string") o.maxBytes = parseSize(values["max-size"]);
    if (typeof values.keep === "string") o.pins = await PinList.read(values.keep);
  } catch (err) {
    process.stderr.write(`modproxy gc: ${(err as Error).message}\n`);
    return 2;
  }
  // Storage alone: gc neither fetches nor verifies, and must run on a disk too full for the proxy to be ready.
  const storage = await storageFromConfig(config);
  const verb = o.delete ? "removed" : "would remove";
  const progress = new Progress(process.stdout, process.stderr);
  const summary = await collectGarbage(storage, {
    ...o,
    onRead: (n) => progress.update(`gc: ${n} versions read`, { periodic: true }),
    onRemove: (v, reason) => progress.line(`${verb} ${v.module}@${v.version} (${formatSize(v.bytes)}): ${reason}`),
  });
  progress.end();
  process.stdout.write(
    `gc of ${describeStorage(config)}: ${summary.versions} versions, ${formatSize(summary.bytes)}; ` +
      `${verb} ${summary.removed.length} (${formatSize(summary.freed)}), ${summary.pinned} pinned, ` +
      `${summary.unstamped} never served since tracking began (counted as used now); ${summary.ms} ms` +
      `${o.delete ? "" : "\ndry run: nothing was removed; add --delete to remove them"}\n`,
  );
  if (o.maxBytes !== undefined && summary.bytes - summary.freed > o.maxBytes) {
    process.stdout.write(`still ${formatSize(summary.bytes - summary.freed)}, over --max-size: the rest is pinned\n`);
  }
  return 0;
}

function describeStorage(config: ProxyConfig): string {
  return config.storage === "s3" ? `s3://${config.s3Bucket}/${config.s3Prefix ?? ""}` : config.storageDir;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`modproxy: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
