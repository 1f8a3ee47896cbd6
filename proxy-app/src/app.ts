import { promises as fs } from "node:fs";
import http from "node:http";
import path from "node:path";
import https from "node:https";
import { AddressInfo } from "node:net";
import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { TokenAuthenticator } from "./auth";
import { AccessRecorder } from "./access";
import { AnswerCache } from "./answer-cache";
import { Catalog } from "./catalog";
import { ArtifactStore } from "./artifact";
import { defaultOf, ProxyConfig, settingName } from "./config";
import { VerifyingFetcher, withFlightLock, withSingleFlight, withStoredCheck } from "./fetcher";
import type { Logs } from "./logs";
import { MemoryTier } from "./memory-tier";
import type { WorkerLink } from "./cluster";
import { ProxyMetrics } from "./metrics";
import { ModuleService } from "./module-service";
import { ModulePatterns } from "./private-patterns";
import { parseGoSumDb } from "./gosumdb";
import { SumdbRoute, SumdbService, SumdbSettings } from "./sumdb";
import { NetrcFile } from "./netrc";
import { Egress } from "./upstream/egress";
import { HealthTrackedUpstream } from "./upstream/health";
import { HttpProxyOptions, HttpProxyUpstream } from "./upstream/http-proxy";
import { Upstream } from "./upstream/upstream";
import { createRequestHandler } from "./server";
import { storageFromConfig } from "./storage/from-config";
import { Storage } from "./storage/storage";
import { upstreamFromList } from "./upstream/chain";
import { listsDirect } from "./upstream/list";
import { GoDirectUpstream } from "./upstream/go-direct";

/** How the proxy is run beyond its configuration. */
export interface StartOptions {
  /** Added to the go command's environment for version control fetches (e.g. GIT_CONFIG_* url rewrites). */
  directEnv?: Record<string, string>;
  /** Set in a cluster worker: upstream fetches and /metrics are shared with the other workers through the primary. */
  cluster?: WorkerLink;
  /** Where each request's access line (and each version file's audit line) goes; without it, nowhere. */
  logs?: Logs;
}

/** MODPROXY_DIRECT_TIMEOUT's default, for callers that build a ProxyConfig themselves. */
const DEFAULT_DIRECT_TIMEOUT_MS = 5 * 60_000;

export interface RunningProxy {
  /** Base URL to put in GOPROXY, e.g. "http://127.0.0.1:3000". */
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

/** The proxy's parts, built from its configuration; the server and the commands that work on storage share them. */
export interface ProxyServices {
  storage: Storage;
  artifacts: ArtifactStore;
  sumdb: SumdbService;
  service: ModuleService;
  metrics: ProxyMetrics;
  /** Small immutable files held in memory, checked once; absent when MODPROXY_MEMORY_CACHE is 0. */
  tier?: MemoryTier;
  /** Last access of each version, for retention (modproxy gc). */
  access: AccessRecorder;
  /** Stops background work and lets go of upstream connections and the go command. */
  close(): Promise<void>;
}

/** Wires storage, upstreams, the checksum database and the verified fetch path together, without listening. */
export async function buildProxyServices(config: ProxyConfig, log: (msg: string) => void = () => {}, options: StartOptions = {}): Promise<ProxyServices> {
  const storage = await storageFromConfig(config);
  // As in the go command, GONOPROXY defaults to GOPRIVATE.
  const noProxy = noProxyPatterns(config);
  const credentials = config.vcsCredentialsFile === undefined ? undefined : await NetrcFile.open(config.vcsCredentialsFile);
  const extraCa = config.caFile === undefined ? undefined : await readCaFile(config.caFile);
  const egress = Egress.fromEnv(process.env, extraCa);
  const reach: HttpProxyOptions = { egress, credentials };
  const direct = directFetchSettings(config).length === 0 ? undefined : await goDirectFromConfig(config, options);
  const metrics = new ProxyMetrics();
  metrics.watchStorage(storage);
  const upstream = upstreamFromList(config.upstream, { timeoutMs: config.upstreamTimeoutMs, metrics, direct, ...reach });
  const privateRoute = direct && { noProxy, upstream: direct };
  const memoryCache = config.memoryCache ?? defaultOf("memoryCache");
  const tier = memoryCache > 0 ? new MemoryTier(memoryCache) : undefined;
  if (tier) metrics.watchTier(tier);
  const sumdb = new SumdbService(storage, sumdbSettings(config, upstream, reach, metrics), metrics, log, tier);
  const artifacts = new ArtifactStore(
    storage,
    (key) => {
      metrics.verificationFailures.inc({ check: "stored" });
      log(`stored ${key} does not match its recorded hash: fetching it again`);
    },
    tier,
  );
  const mode = config.verify ?? defaultOf("verify");
  metrics.verifyMode.set({ mode }, 1);
  const verifying = await new VerifyingFetcher({
    // Zips it needs itself come through the de-duplicated fetcher below (see VerifyingFetcherOptions.zips).
    zips: { fetch: (req, opts) => fetcher.fetch(req, opts) },
    artifacts,
    upstream,
    privateRoute,
    sums: sumdb,
    mode,
    limits: { deadlineMs: config.fetchDeadlineMs ?? defaultOf("fetchDeadlineMs"), maxFetches: config.maxFetches ?? defaultOf("maxFetches") },
    // On disk the spool sits beside the cache, on its volume; S3 storage spools to the temporary directory.
    spoolDir: config.spoolDir ?? (config.storage === "s3" ? undefined : path.join(config.storageDir, ".spool")),
    metrics,
    log,
  }).init();
  // Across cluster workers a lock held in the primary keeps it one fetch per file; within a worker, single flight.
  const checked = withStoredCheck(verifying, artifacts);
  const fetcher = withSingleFlight(options.cluster ? withFlightLock(checked, options.cluster) : checked);
  const answers = new AnswerCache({
    storage,
    ttlMs: config.listTtlMs ?? defaultOf("listTtlMs"),
    notFoundTtlMs: config.notFoundTtlMs ?? defaultOf("notFoundTtlMs"),
    log,
  });
  const access = new AccessRecorder(storage, { log });
  const service = new ModuleService({
    artifacts,
    fetcher,
    answers,
    upstream,
    privateRoute,
    metrics,
    log,
    onUnverified: (req) => verifying.noteUnverified(req),
    onServed: (req) => access.record(req),
  });
  return {
    storage,
    artifacts,
    sumdb,
    service,
    metrics,
    tier,
    access,
    close: async () => {
      egress.close();
      verifying.close();
      await direct?.close();
      await access.close();
    },
  };
}

/** Wires storage, upstreams and the HTTP server together and starts listening. */
export async function startProxy(config: ProxyConfig, log: (msg: string) => void = () => {}, options: StartOptions = {}): Promise<RunningProxy> {
  const auth = config.authTokensFile === undefined ? undefined : await TokenAuthenticator.fromFile(config.authTokensFile);
  const tls = config.tlsCertFile && config.tlsKeyFile ? await readTlsFiles(config.tlsCertFile, config.tlsKeyFile) : undefined;
  const services = await buildProxyServices(config, log, options);
  const { service, sumdb, storage, metrics, tier, access } = services;
  options.cluster?.shareMetrics(metrics.registry);
  const metricsText = options.cluster && (() => options.cluster!.metrics());
  const catalog = new Catalog(storage, { log });
  const handler = createRequestHandler({ service, sumdb, storage, metrics, log, logs: options.logs, auth, tier, access, catalog, metricsText });
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // Slow clients may take long over a large zip, but an idle keep-alive socket should not pin a worker.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await services.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `${tls ? "https" : "http"}://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }).finally(() => services.close()),
  };
}

/** GONOPROXY's patterns; as in the go command, GOPRIVATE's when it is unset. */
function noProxyPatterns(config: ProxyConfig): ModulePatterns {
  return new ModulePatterns(config.goNoProxy ?? config.goPrivate ?? "");
}

/**
 * The settings that have modules fetched from version control with the go
 * command (and git): GONOPROXY (or GOPRIVATE, its default) naming modules,
 * "direct" among the upstreams. None: the proxy runs neither.
 */
export function directFetchSettings(config: ProxyConfig): (keyof ProxyConfig)[] {
  return [
    ...(noProxyPatterns(config).isEmpty() ? [] : [config.goNoProxy !== undefined ? ("goNoProxy" as const) : ("goPrivate" as const)]),
    ...(listsDirect(config.upstream) ? (["upstream"] as const) : []),
  ];
}

function goDirectFromConfig(config: ProxyConfig, options: StartOptions): Promise<GoDirectUpstream> {
  return GoDirectUpstream.create({
    timeoutMs: config.directTimeoutMs ?? DEFAULT_DIRECT_TIMEOUT_MS,
    goPrivate: config.goPrivate,
    goNoSumDb: noSumDbPatterns(config),
    goSumDb: config.goSumDb,
    vcsCredentialsFile: config.vcsCredentialsFile,
    extraEnv: options.directEnv,
  });
}

/** GOSUMDB with a URL is reached there; any other database through the upstream proxies, as the go command would. */
function sumdbSettings(config: ProxyConfig, upstream: Upstream, reach: HttpProxyOptions, metrics: ProxyMetrics): SumdbSettings {
  const named = config.goSumDb === undefined ? undefined : parseGoSumDb(config.goSumDb);
  const main = named ?? parseGoSumDb("sum.golang.org");
  // The database behind the upstream proxies can fail while they serve modules: it is tracked on its own, so a
  // dead one costs one timeout, not one per lookup, and never takes the module upstream down with it.
  const relayed = new HealthTrackedUpstream(upstream, main.name, metrics, {
    probePath: `sumdb/${main.name}/supported`,
    counts: () => true,
  });
  const viaUpstreams: SumdbRoute = { upstream: relayed, pathOf: (name, file) => `sumdb/${name}/${file}`, asksSupported: true };
  const direct: SumdbRoute | undefined = named?.url
    ? {
        // Tracked like the upstream proxies: a database that is down costs one timeout, not one per request.
        upstream: new HealthTrackedUpstream(new HttpProxyUpstream(named.url, config.upstreamTimeoutMs, reach), new URL(named.url).host, metrics),
        pathOf: (_name, file) => file,
        asksSupported: false,
      }
    : undefined;
  return {
    main,
    onlyMain: named !== undefined,
    route: (name) => (direct && name === named?.name ? direct : viaUpstreams),
    noSumDb: new ModulePatterns(noSumDbPatterns(config)),
  };
}

/**
 * GONOSUMDB as the go command reads it (defaulting to GOPRIVATE), widened by
 * GONOPROXY: a module kept off the upstream proxies must not have its name
 * sent to a checksum database either.
 */
function noSumDbPatterns(config: ProxyConfig): string {
  return [config.goNoSumDb ?? config.goPrivate, config.goNoProxy].filter((p) => p !== undefined && p !== "").join(",");
}

export class TlsFileError extends Error {}

/** The CA file's certificates, checked now so a bad file stops the start rather than failing every fetch. */
async function readCaFile(file: string): Promise<string> {
  const fail = (why: string) => new TlsFileError(`${settingName("caFile")} ${file}: ${why}`);
  const text = await fs.readFile(file, "utf8").catch((err: Error) => {
    throw fail(`cannot read it: ${err.message}`);
  });
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw fail("holds no PEM certificate");
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw fail(`certificate ${i + 1} is not valid: ${(err as Error).message}`);
    }
  }
  return pems.join("\n");
}

async function readTlsFiles(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const read = (file: string, what: string) =>
    fs.readFile(file).catch((err: Error) => {
      throw new TlsFileError(`cannot read the TLS ${what} ${file}: ${err.message}`);
    });
  const files = { cert: await read(certFile, "certificate"), key: await read(keyFile, "key") };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new TlsFileError(`the TLS certificate ${certFile} and key ${keyFile} do not make a usable pair: ${(err as Error).message}`);
  }
  return files;
}
