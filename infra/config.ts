/**
 * The stack configuration of the modproxy blueprint, read and validated in one place.
 *
 * Every value arrives as a string (that is what `pulumi config set` stores); lists are
 * comma-separated. `parseConfig` reports every missing, invalid or unknown key in a single error
 * so a user fixes their stack in one pass instead of one `pulumi up` per mistake.
 */
import * as pulumi from "@pulumi/pulumi";
import { isInternetWide, isPrivateCidr, parseCidr } from "../common/cidr";
import { MONITORING_PARTS, MonitoringPart, scrapeProblem } from "../components/monitoring";
import { proxyEnvironment, ProxySettings } from "../components/proxyEnvironment";
import { ConfigError as ProxyConfigError, loadConfig, ProxyConfig } from "../proxy-app/src/config";
import { parseUpstreamList } from "../proxy-app/src/upstream/list";

export type Environment = "dev" | "staging" | "prod";
export type NatGatewayMode = "perAz" | "single";
export type LoadBalancerScheme = "internal" | "internet-facing";
export type CertificateSource = "acm" | "private-ca";
export type PodCredentialsMethod = "podIdentity" | "irsa";

/**
 * A stack's settings. The proxy's own (ProxySettings, less the bucket made at deploy) are set by
 * `modproxy:<name>`, region by `aws:region`; defaults: upstreamTimeout "30s", goPrivate "",
 * s3Prefix "modules/", the rest the proxy's; goSumDb `off` is refused.
 */
export interface ModproxyConfig extends Omit<ProxySettings, "bucketName"> {
  /** `modproxy:environment`: dev | staging | prod. Required; prod enforces the HA minimums. */
  readonly environment: Environment;
  /** `modproxy:image`: the proxy's container image. Required; in prod pinned to a tag other than latest, or a digest. */
  readonly image: string;
  /** `modproxy:availabilityZones`: explicit AZs (2–3). @default the first `azCount` AZs of the region */
  readonly availabilityZones?: readonly string[];
  /** `modproxy:azCount`: how many AZs to span when none are listed. @default 3 */
  readonly azCount: number;
  /** `modproxy:vpcCidr`: the VPC's private IPv4 range, /16 to /20. @default "10.0.0.0/16" */
  readonly vpcCidr: string;
  /** `modproxy:natGateways`: perAz (survives an AZ outage) or single (cheaper). @default "perAz" */
  readonly natGateways: NatGatewayMode;
  /** `modproxy:kubernetesVersion`. @default "1.33" */
  readonly kubernetesVersion: string;
  /** `modproxy:clusterPublicAccessCidrs`: CIDRs allowed to reach the public EKS endpoint; empty turns it off. @default [] */
  readonly clusterPublicAccessCidrs: readonly string[];
  /** `modproxy:clusterPrivateAccessCidrs`: networks connected to the VPC (VPN, peered VPCs, CI runners) admitted to the private EKS endpoint on 443. @default [] */
  readonly clusterPrivateAccessCidrs: readonly string[];
  /** `modproxy:nodeInstanceType`. @default "m6i.large" */
  readonly nodeInstanceType: string;
  /** `modproxy:nodeMinSize`. @default 2 */
  readonly nodeMinSize: number;
  /** `modproxy:nodeDesiredSize`. @default 3 */
  readonly nodeDesiredSize: number;
  /** `modproxy:nodeMaxSize`. @default 6 */
  readonly nodeMaxSize: number;
  /** `modproxy:replicas`: the Deployment's (and the autoscaler's minimum) replica count; at least 2 in prod. @default 2 */
  readonly replicas: number;
  /** `modproxy:maxReplicas`: the autoscaler's ceiling. @default 6, or `replicas` when that is higher */
  readonly maxReplicas: number;
  /** `modproxy:noncurrentVersionDays`: days an overwritten object version is kept. @default 30 */
  readonly noncurrentVersionDays: number;
  /** `modproxy:replicaRegion`: region the module bucket is replicated to for disaster recovery. @default unset (no replica) */
  readonly replicaRegion?: string;
  /** `modproxy:podCredentials`: how the proxy's pods get their AWS role, EKS Pod Identity or IRSA. @default "podIdentity" */
  readonly podCredentials: PodCredentialsMethod;
  /** `modproxy:namespace`: Kubernetes namespace of the proxy. @default "modproxy" */
  readonly namespace: string;
  /** `modproxy:loadBalancerScheme`: internal or internet-facing. @default "internal" */
  readonly loadBalancerScheme: LoadBalancerScheme;
  /** `modproxy:clientCidrs`: who may reach the load balancer. @default [vpcCidr]; 0.0.0.0/0 only when internet-facing */
  readonly clientCidrs: readonly string[];
  /** `modproxy:nodePort`: the NodePort the load balancer targets. @default 30080 */
  readonly nodePort: number;
  /** `modproxy:domainName`: the proxy's host name. Required. */
  readonly domainName: string;
  /** `modproxy:certificateSource`: acm (DNS-validated) or private-ca (self-made CA, imported). @default "acm" */
  readonly certificateSource: CertificateSource;
  /** `modproxy:hostedZoneId`: Route53 zone of `domainName`; required for acm, optional for private-ca. @default unset */
  readonly hostedZoneId?: string;
  /** `modproxy:egressCidrs`: where the proxy may open HTTPS connections to upstreams and VCS hosts. @default ["0.0.0.0/0"] */
  readonly egressCidrs: readonly string[];
  /** `modproxy:vcsCredentials` (secret): a .netrc for private VCS hosts. @default unset */
  readonly vcsCredentials?: string;
  /** `modproxy:monitoring`: what of monitoring/ to ship: dashboard (a ConfigMap for Grafana's sidecar), alerts (a PrometheusRule), scrape (a PodMonitor). @default [] */
  readonly monitoring: readonly MonitoringPart[];
  /** `modproxy:metricsScraperNamespaces`: namespaces whose pods may reach the proxy's port, for an in-cluster Prometheus. @default [] */
  readonly metricsScraperNamespaces: readonly string[];
  /** `modproxy:monitoringLabels`: `key=value` labels for the dashboard and rules, to match Grafana's and Prometheus's selectors. @default {} */
  readonly monitoringLabels: Readonly<Record<string, string>>;
  /** `modproxy:renderYamlTo`: write the Kubernetes manifests to this directory instead of applying them. @default unset */
  readonly renderYamlTo?: string;
}

/** A stack's configuration as the Pulumi CLI hands it to the program. */
export interface ConfigSource {
  /** Every key the stack sets, fully qualified (`modproxy:image`, `aws:region`); undefined where the value cannot be read (encrypted, offline). */
  readonly values: Readonly<Record<string, string | undefined>>;
  /** The keys whose values are secrets (`pulumi config set --secret`, a `secure:` value in the stack file). */
  readonly secretKeys: readonly string[];
}

// Marked @internal in the typings but exported at run time: the secret keys the CLI gives the program.
const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/** The configuration of the stack being deployed (`pulumi up`). */
export function runtimeConfigSource(): ConfigSource {
  const values = pulumi.runtime.allConfig();
  return { values, secretKeys: Object.keys(values).filter(isConfigSecret) };
}

/** The namespace of this project's keys, where a key nothing reads is a typo. */
const PROJECT_NAMESPACE = "modproxy:";

/** Thrown with every problem of a stack's configuration at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const K8S_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL_NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const LABEL_KEY = new RegExp(`^(${DNS_NAME.source.slice(1, -1)}/)?${LABEL_NAME}$`);
const LABEL_VALUE = new RegExp(`^(${LABEL_NAME})?$`);

/**
 * Collects problems while reading keys, so all of them end up in one error. parseConfig reads
 * every key on every parse, so the keys read are exactly the settings there are.
 */
class Reader {
  readonly problems: string[] = [];
  private readonly read = new Set<string>();
  constructor(private readonly source: ConfigSource) {}

  raw(key: string): string | undefined {
    this.read.add(key);
    const value = this.source.values[key]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  /** A value that must have been stored encrypted, so it never sits readable in the stack file. */
  secret(key: string): string | undefined {
    const value = this.raw(key);
    if (value !== undefined && !this.source.secretKeys.includes(key)) {
      this.problems.push(`${key} must be a secret: set it with \`pulumi config set --secret ${key} ...\` so it is stored encrypted`);
    }
    return value;
  }

  /** Reports the project's keys nothing read: a misspelled key would otherwise leave its setting at the default. */
  refuseUnread(): void {
    for (const key of Object.keys(this.source.values)) {
      if (key.startsWith(PROJECT_NAMESPACE) && !this.read.has(key)) {
        this.problems.push(`${key} is not a setting of this project (misspelled?); README.md lists the keys`);
      }
    }
  }

  required(key: string): string {
    const value = this.raw(key);
    if (value === undefined) {
      this.problems.push(`${key} is required`);
      return "";
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T | undefined): T {
    const value = fallback === undefined ? this.required(key) : (this.raw(key) ?? fallback);
    if (value !== "" && !(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${key} must be one of ${allowed.join(", ")} (got "${value}")`);
    }
    return value as T;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw(key);
    if (value === undefined) {
      return fallback;
    }
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${key} must be an integer from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }

  list(key: string): string[] | undefined {
    const value = this.raw(key);
    return value
      ?.split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }

  cidrs(key: string, fallback: readonly string[]): string[] {
    const values = this.list(key) ?? [...fallback];
    for (const cidr of values) {
      try {
        parseCidr(cidr);
      } catch (err) {
        this.problems.push(`${key}: ${(err as Error).message}`);
      }
    }
    return values;
  }

  /** Reports `key` when `cidrs` holds a range that admits the internet at large; `why` ends the message. */
  refuseInternetWide(key: string, cidrs: readonly string[], why: string): void {
    if (cidrs.some(isInternetWide)) {
      this.problems.push(`${key} must not contain 0.0.0.0/0 or any range as wide (e.g. 0.0.0.0/1)${why}`);
    }
  }
}

/** Parses and validates a stack's configuration; throws a ConfigError naming every bad or missing key. */
export function parseConfig(source: ConfigSource): ModproxyConfig {
  const r = new Reader(source);

  const region = r.required("aws:region");
  const environment = r.oneOf<Environment>("modproxy:environment", ["dev", "staging", "prod"], undefined);
  const image = r.required("modproxy:image");
  // A moving tag makes a prod rollback or a new node pull something nobody reviewed.
  const pinned = /@sha256:[0-9a-f]{64}$/.test(image) || (/:\w[\w.-]{0,127}$/.test(image) && !image.endsWith(":latest"));
  if (environment === "prod" && image !== "" && !pinned) {
    r.problems.push(`modproxy:image must be pinned to a tag other than latest or to a digest when modproxy:environment is prod (got "${image}")`);
  }

  const availabilityZones = r.list("modproxy:availabilityZones");
  if (availabilityZones !== undefined && (availabilityZones.length < 2 || availabilityZones.length > 3)) {
    r.problems.push(`modproxy:availabilityZones must list 2 or 3 zones (got ${availabilityZones.length})`);
  }
  const foreignZones = region === "" ? [] : (availabilityZones ?? []).filter((zone) => !zone.startsWith(region));
  if (foreignZones.length > 0) {
    r.problems.push(`modproxy:availabilityZones must be zones of ${region} (got ${foreignZones.join(", ")})`);
  }
  const azCount = r.integer("modproxy:azCount", 3, 2, 3);

  const vpcCidr = r.raw("modproxy:vpcCidr") ?? "10.0.0.0/16";
  try {
    const parsed = parseCidr(vpcCidr);
    if (parsed.prefix < 16 || parsed.prefix > 20 || !isPrivateCidr(vpcCidr)) {
      r.problems.push(`modproxy:vpcCidr must be a private (RFC 1918) range from /16 to /20 (got "${vpcCidr}")`);
    }
  } catch (err) {
    r.problems.push(`modproxy:vpcCidr: ${(err as Error).message}`);
  }

  const natGateways = r.oneOf<NatGatewayMode>("modproxy:natGateways", ["perAz", "single"], "perAz");
  const kubernetesVersion = r.raw("modproxy:kubernetesVersion") ?? "1.33";
  if (!/^1\.\d+$/.test(kubernetesVersion)) {
    r.problems.push(`modproxy:kubernetesVersion must look like 1.33 (got "${kubernetesVersion}")`);
  }

  const clusterPublicAccessCidrs = r.cidrs("modproxy:clusterPublicAccessCidrs", []);
  const clusterPrivateAccessCidrs = r.cidrs("modproxy:clusterPrivateAccessCidrs", []);
  for (const [key, cidrs] of Object.entries({
    "modproxy:clusterPublicAccessCidrs": clusterPublicAccessCidrs,
    "modproxy:clusterPrivateAccessCidrs": clusterPrivateAccessCidrs,
  })) {
    r.refuseInternetWide(key, cidrs, ": the Kubernetes API would be open to the internet");
  }

  const nodeInstanceType = r.raw("modproxy:nodeInstanceType") ?? "m6i.large";
  const nodeMinSize = r.integer("modproxy:nodeMinSize", 2, 1, 100);
  const nodeDesiredSize = r.integer("modproxy:nodeDesiredSize", 3, 1, 100);
  const nodeMaxSize = r.integer("modproxy:nodeMaxSize", 6, 1, 100);
  if (nodeMinSize > nodeDesiredSize || nodeDesiredSize > nodeMaxSize) {
    r.problems.push(`node group sizes must satisfy nodeMinSize <= nodeDesiredSize <= nodeMaxSize (got ${nodeMinSize}, ${nodeDesiredSize}, ${nodeMaxSize})`);
  }

  const replicas = r.integer("modproxy:replicas", 2, 1, 100);
  const maxReplicas = r.integer("modproxy:maxReplicas", Math.max(6, replicas), 1, 100);
  if (environment === "prod" && replicas < 2) {
    r.problems.push(`modproxy:replicas must be at least 2 when modproxy:environment is prod (got ${replicas})`);
  }
  if (maxReplicas < replicas) {
    r.problems.push(`modproxy:maxReplicas (${maxReplicas}) must not be below modproxy:replicas (${replicas})`);
  }

  const upstream = r.required("modproxy:upstream");
  for (const target of upstreamTargets(upstream)) {
    if (target !== "off" && target !== "direct" && !target.startsWith("https://")) {
      r.problems.push(`modproxy:upstream entries must be https:// URLs, "direct" or "off" (got "${target}")`);
    }
  }
  const upstreamTimeout = r.raw("modproxy:upstreamTimeout") ?? "30s";

  const goSumDb = r.raw("modproxy:goSumDb");
  if (goSumDb !== undefined && goSumDb.toLowerCase() === "off") {
    r.problems.push(
      "modproxy:goSumDb must not be off: checksum verification is what makes a shared cache safe; list private modules in modproxy:goPrivate instead",
    );
  }

  const s3Prefix = r.raw("modproxy:s3Prefix") ?? "modules/";
  if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(s3Prefix)) {
    r.problems.push(`modproxy:s3Prefix must be a relative key prefix ending in "/" such as modules/ (got "${s3Prefix}")`);
  }
  const noncurrentVersionDays = r.integer("modproxy:noncurrentVersionDays", 30, 1, 3650);
  const replicaRegion = r.raw("modproxy:replicaRegion");
  if (replicaRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(replicaRegion)) {
    r.problems.push(`modproxy:replicaRegion must be an AWS region such as eu-central-1 (got "${replicaRegion}")`);
  } else if (replicaRegion !== undefined && replicaRegion === region) {
    r.problems.push(`modproxy:replicaRegion must differ from aws:region (${region}): a replica in the same region survives no regional outage`);
  }
  const podCredentials = r.oneOf<PodCredentialsMethod>("modproxy:podCredentials", ["podIdentity", "irsa"], "podIdentity");

  const namespace = r.raw("modproxy:namespace") ?? "modproxy";
  if (!K8S_NAME.test(namespace)) {
    r.problems.push(`modproxy:namespace must be a DNS-1123 label (got "${namespace}")`);
  }

  const loadBalancerScheme = r.oneOf<LoadBalancerScheme>("modproxy:loadBalancerScheme", ["internal", "internet-facing"], "internal");
  const clientCidrs = r.cidrs("modproxy:clientCidrs", [vpcCidr]);
  if (loadBalancerScheme === "internal") {
    r.refuseInternetWide("modproxy:clientCidrs", clientCidrs, " unless modproxy:loadBalancerScheme is internet-facing");
  }
  const nodePort = r.integer("modproxy:nodePort", 30080, 30000, 32767);

  const domainName = r.required("modproxy:domainName").toLowerCase();
  if (domainName !== "" && !DNS_NAME.test(domainName)) {
    r.problems.push(`modproxy:domainName must be a DNS name such as goproxy.example.com (got "${domainName}")`);
  }
  const certificateSource = r.oneOf<CertificateSource>("modproxy:certificateSource", ["acm", "private-ca"], "acm");
  const hostedZoneId = r.raw("modproxy:hostedZoneId");
  if (certificateSource === "acm" && hostedZoneId === undefined) {
    r.problems.push("modproxy:hostedZoneId is required when modproxy:certificateSource is acm (the certificate is validated through DNS)");
  }

  const egressCidrs = r.cidrs("modproxy:egressCidrs", ["0.0.0.0/0"]);
  const goPrivate = r.raw("modproxy:goPrivate") ?? "";
  const goNoProxy = r.raw("modproxy:goNoProxy");
  const goNoSumDb = r.raw("modproxy:goNoSumDb");
  const verify = r.raw("modproxy:verify");
  const fetchDeadline = r.raw("modproxy:fetchDeadline");
  const maxFetches = r.raw("modproxy:maxFetches");
  const listTtl = r.raw("modproxy:listTtl");
  const vcsCredentials = r.secret("modproxy:vcsCredentials");
  const renderYamlTo = r.raw("modproxy:renderYamlTo");

  const monitoring = [...new Set(r.list("modproxy:monitoring") ?? [])] as MonitoringPart[];
  const unknownParts = monitoring.filter((part) => !(MONITORING_PARTS as readonly string[]).includes(part));
  if (unknownParts.length > 0) {
    r.problems.push(`modproxy:monitoring must list some of ${MONITORING_PARTS.join(", ")} (got "${unknownParts.join(", ")}")`);
  }
  const metricsScraperNamespaces = [...new Set(r.list("modproxy:metricsScraperNamespaces") ?? [])];
  for (const scraperNamespace of metricsScraperNamespaces.filter((ns) => !K8S_NAME.test(ns))) {
    r.problems.push(`modproxy:metricsScraperNamespaces must list Kubernetes namespaces, DNS-1123 labels (got "${scraperNamespace}")`);
  }
  const scrapeBlocked = scrapeProblem(monitoring, metricsScraperNamespaces, "modproxy:");
  if (scrapeBlocked !== undefined) r.problems.push(scrapeBlocked);
  const monitoringLabels: Record<string, string> = {};
  for (const item of r.list("modproxy:monitoringLabels") ?? []) {
    const [key, value, ...extra] = item.split("=");
    // Kubernetes' own rules: an optional DNS prefix, a name of 63 characters, a value of 63 or none.
    if (extra.length > 0 || value === undefined || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      r.problems.push(`modproxy:monitoringLabels must be key=value Kubernetes labels separated by commas (got "${item}")`);
    } else {
      monitoringLabels[key] = value;
    }
  }

  const settings: Omit<ProxySettings, "bucketName"> = {
    upstream,
    upstreamTimeout,
    s3Prefix,
    region,
    goPrivate,
    goNoProxy,
    goNoSumDb,
    goSumDb,
    verify,
    fetchDeadline,
    maxFetches,
    listTtl,
  };
  checkWithTheProxy(r, { ...settings, bucketName: BUCKET_AT_PLAN_TIME }, vcsCredentials !== undefined);

  r.refuseUnread();
  if (r.problems.length > 0) {
    throw new ConfigError(r.problems);
  }
  return {
    ...settings,
    environment,
    image,
    availabilityZones,
    azCount,
    vpcCidr,
    natGateways,
    kubernetesVersion,
    clusterPublicAccessCidrs,
    clusterPrivateAccessCidrs,
    nodeInstanceType,
    nodeMinSize,
    nodeDesiredSize,
    nodeMaxSize,
    replicas,
    maxReplicas,
    noncurrentVersionDays,
    replicaRegion,
    podCredentials,
    namespace,
    loadBalancerScheme,
    clientCidrs,
    nodePort,
    domainName,
    certificateSource,
    hostedZoneId,
    egressCidrs,
    vcsCredentials,
    monitoring,
    metricsScraperNamespaces,
    monitoringLabels,
    renderYamlTo,
  };
}

/** The upstream list's targets, or none where the proxy's parser refuses it (checkWithTheProxy says why). */
function upstreamTargets(upstream: string): string[] {
  try {
    return parseUpstreamList(upstream).map((entry) => entry.target);
  } catch {
    return [];
  }
}

/** Which stack key sets each proxy setting the stack chooses, to name it in the proxy's complaints. */
const STACK_KEY_OF: Partial<Record<keyof ProxyConfig, string>> = {
  upstream: "modproxy:upstream",
  upstreamTimeoutMs: "modproxy:upstreamTimeout",
  s3Prefix: "modproxy:s3Prefix",
  goPrivate: "modproxy:goPrivate",
  goNoProxy: "modproxy:goNoProxy",
  goNoSumDb: "modproxy:goNoSumDb",
  goSumDb: "modproxy:goSumDb",
  verify: "modproxy:verify",
  fetchDeadlineMs: "modproxy:fetchDeadline",
  maxFetches: "modproxy:maxFetches",
  listTtlMs: "modproxy:listTtl",
};

// The bucket is named when it is created; any valid name stands in for it (the tests load the synthesized one).
const BUCKET_AT_PLAN_TIME = "modproxy-bucket-named-at-deploy";

/**
 * Loads the environment the component will give the proxy with the proxy's own loader, so a value
 * the proxy would refuse at start fails the preview with the proxy's message instead of crash-looping
 * the pods. A key already reported is not reported twice.
 */
function checkWithTheProxy(r: Reader, settings: ProxySettings, vcsCredentials: boolean): void {
  try {
    loadConfig(proxyEnvironment(settings, { vcsCredentials }));
  } catch (err) {
    if (!(err instanceof ProxyConfigError)) throw err;
    for (const { key, text } of err.problems) {
      const stackKey = STACK_KEY_OF[key];
      if (stackKey === undefined) {
        r.problems.push(`the proxy would refuse the blueprint's own setting at start: ${text}`);
      } else if (!r.problems.some((p) => p.startsWith(`${stackKey} `) || p.startsWith(`${stackKey}:`))) {
        r.problems.push(`${stackKey}: the proxy would refuse it at start: ${text}`);
      }
    }
  }
}
