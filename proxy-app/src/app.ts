import { promises as fs } from "node:fs";
import http from "node:http";
import https from "node:https";
import { AddressInfo } from "node:net";
import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { TokenAuthenticator, TokenFileError } from "./auth";
import { AnswerCache } from "./answer-cache";
import { ArtifactStore } from "./artifact";
import { defaultOf, ProxyConfig, settingName } from "./config";
import { VerifyingFetcher, withFlightLock, withSingleFlight } from "./fetcher";
import { MemoryTier } from "./memory-tier";
import type { WorkerLink } from "./cluster";
import { ProxyMetrics } from "./metrics";
import { ModuleService } from "./module-service";
import { ModulePatterns } from "./private-patterns";
import { parseGoSumDb, SumdbRoute, SumdbService, SumdbSettings } from "./sumdb";
import { NetrcFile, NetrcFileError } from "./netrc";
import { Egress, EgressConfigError } from "./upstream/egress";
import { HttpProxyOptions, HttpProxyUpstream } from "./upstream/http-proxy";
import { Upstream } from "./upstream/upstream";
import { createRequestHandler } from "./server";
import { storageFromConfig } from "./storage/from-config";
import { listsDirect, upstreamFromList } from "./upstream/chain";
import { GoDirectSetupError, GoDirectUpstream } from "./upstream/go-direct";

/** How the proxy is run beyond its configuration. */
export interface StartOptions {
  /** Added to the go command's environment for version control fetches (e.g. GIT_CONFIG_* url rewrites). */
  directEnv?: Record<string, string>;
  /** Set in a cluster worker: upstream fetches and /metrics are shared with the other workers through the primary. */
  cluster?: WorkerLink;
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

/** Wires storage, upstreams and the HTTP server together and starts listening. */
export async function startProxy(config: ProxyConfig, log: (msg: string) => void = () => {}, options: StartOptions = {}): Promise<RunningProxy> {
  const auth = config.authTokensFile === undefined ? undefined : await TokenAuthenticator.fromFile(config.authTokensFile);
  const storage = await storageFromConfig(config);
  // As in the go command, GONOPROXY defaults to GOPRIVATE.
  const noProxy = new ModulePatterns(config.goNoProxy ?? config.goPrivate ?? "");
  const credentials = config.vcsCredentialsFile === undefined ? undefined : await NetrcFile.open(config.vcsCredentialsFile);
  const extraCa = config.caFile === undefined ? undefined : await readCaFile(config.caFile);
  const egress = Egress.fromEnv(process.env, extraCa);
  const reach: HttpProxyOptions = { egress, credentials };
  const direct = noProxy.isEmpty() && !listsDirect(config.upstream) ? undefined : await goDirectFromConfig(config, options);
  const metrics = new ProxyMetrics();
  const upstream = upstreamFromList(config.upstream, { timeoutMs: config.upstreamTimeoutMs, metrics, direct, ...reach });
  const privateRoute = direct && { noProxy, upstream: direct };
  const memoryCache = config.memoryCache ?? defaultOf("memoryCache");
  const tier = memoryCache > 0 ? new MemoryTier(memoryCache) : undefined;
  if (tier) metrics.watchTier(tier);
  const sumdb = new SumdbService(storage, sumdbSettings(config, upstream, reach), metrics, log, tier);
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
  const verifying = new VerifyingFetcher({
    artifacts,
    upstream,
    privateRoute,
    sums: sumdb,
    mode,
    limits: { deadlineMs: config.fetchDeadlineMs ?? defaultOf("fetchDeadlineMs"), maxFetches: config.maxFetches ?? defaultOf("maxFetches") },
    spoolDir: config.spoolDir,
    metrics,
    log,
  });
  const answers = new AnswerCache({
    storage,
    ttlMs: config.listTtlMs ?? defaultOf("listTtlMs"),
    notFoundTtlMs: config.notFoundTtlMs ?? defaultOf("notFoundTtlMs"),
    log,
  });
  const service = new ModuleService({
    artifacts,
    fetcher: withSingleFlight(options.cluster ? withFlightLock(verifying, options.cluster, artifacts) : verifying),
    answers,
    upstream,
    privateRoute,
    metrics,
    log,
    onUnverified: (req) => verifying.noteUnverified(req),
  });
  options.cluster?.shareMetrics(metrics.registry);
  const metricsText = options.cluster && (() => options.cluster!.metrics());
  const handler = createRequestHandler({ service, sumdb, storage, metrics, log, auth, tier, metricsText });
  const tls = config.tlsCertFile && config.tlsKeyFile ? await readTlsFiles(config.tlsCertFile, config.tlsKeyFile) : undefined;
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
    egress.close();
    verifying.close();
    await direct?.close();
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
      }).finally(() => {
        egress.close();
        verifying.close();
        return direct?.close();
      }),
  };
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
function sumdbSettings(config: ProxyConfig, upstream: Upstream, reach: HttpProxyOptions): SumdbSettings {
  const named = config.goSumDb === undefined ? undefined : parseGoSumDb(config.goSumDb);
  const main = named ?? parseGoSumDb("sum.golang.org");
  const viaUpstreams: SumdbRoute = { upstream, pathOf: (name, file) => `sumdb/${name}/${file}`, asksSupported: true };
  const direct: SumdbRoute | undefined = named?.url
    ? { upstream: new HttpProxyUpstream(named.url, config.upstreamTimeoutMs, reach), pathOf: (_name, file) => file, asksSupported: false }
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

/** A failure to start that a message can explain (a bad file or setting): no stack trace, and no point in retrying. */
export function isStartupError(err: unknown): err is Error {
  return (
    err instanceof TokenFileError ||
    err instanceof TlsFileError ||
    err instanceof GoDirectSetupError ||
    err instanceof NetrcFileError ||
    err instanceof EgressConfigError
  );
}

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
