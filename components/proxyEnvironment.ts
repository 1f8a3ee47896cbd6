/**
 * The container environment the proxy reads its settings from, named by the proxy's own table
 * (proxy-app/src/config.ts), so the blueprint and the proxy cannot disagree on a name. Kept apart
 * from the component so the stack's config parser can build the same environment and load it
 * with the proxy's own loader at plan time.
 */
import { settingsEnvironment } from "../proxy-app/src/config";

/** The proxy settings a stack chooses, in the proxy's own syntax (GOPROXY lists, Go durations, Go's patterns). */
export interface ProxySettings<Bucket = string> {
  /** GOPROXY-syntax list of upstreams. */
  readonly upstream: string;
  /** Go duration. */
  readonly upstreamTimeout: string;
  /** The module cache bucket. */
  readonly bucketName: Bucket;
  /** Key prefix of the cache in the bucket, ending in "/". */
  readonly s3Prefix: string;
  /** Region of the bucket and of STS. */
  readonly region: string;
  /** GOPRIVATE patterns: fetched from version control, never checked against the checksum database; "" for none. */
  readonly goPrivate: string;
  /** GONOPROXY. @default unset (Go uses GOPRIVATE) */
  readonly goNoProxy?: string;
  /** GONOSUMDB. @default unset (Go uses GOPRIVATE) */
  readonly goNoSumDb?: string;
  /** GOSUMDB. @default unset (Go's own checksum database) */
  readonly goSumDb?: string;
  /** MODPROXY_VERIFY: require or when-available. @default unset (the proxy's default) */
  readonly verify?: string;
  /** MODPROXY_FETCH_DEADLINE, a Go duration. @default unset (the proxy's default) */
  readonly fetchDeadline?: string;
  /** MODPROXY_MAX_FETCHES. @default unset (the proxy's default) */
  readonly maxFetches?: string;
  /** MODPROXY_LIST_TTL, a Go duration. @default unset (the proxy's default) */
  readonly listTtl?: string;
}

/** The proxy settings out of a larger object (a component's arguments), with the bucket made for them. */
export function pickProxySettings<Bucket>(from: Omit<ProxySettings, "bucketName">, bucketName: Bucket): ProxySettings<Bucket> {
  return {
    upstream: from.upstream,
    upstreamTimeout: from.upstreamTimeout,
    bucketName,
    s3Prefix: from.s3Prefix,
    region: from.region,
    goPrivate: from.goPrivate,
    goNoProxy: from.goNoProxy,
    goNoSumDb: from.goNoSumDb,
    goSumDb: from.goSumDb,
    verify: from.verify,
    fetchDeadline: from.fetchDeadline,
    maxFetches: from.maxFetches,
    listTtl: from.listTtl,
  };
}

export const CONTAINER_PORT = 3000;
export const TOKENS_DIR = "/etc/modproxy/tokens";
export const VCS_DIR = "/etc/modproxy/vcs";
export const TLS_DIR = "/etc/modproxy/tls";
/** An emptyDir of its own: the root file system is read-only, and fetches wait here while they are checked. */
export const SPOOL_DIR = "/var/spool/modproxy";

/** The proxy's environment: every setting by its SETTINGS name, plus the AWS SDK's region. */
export function proxyEnvironment<Bucket>(
  settings: ProxySettings<Bucket>,
  options: { vcsCredentials: boolean; servingTls?: boolean },
): Record<string, string | Bucket> {
  return {
    ...settingsEnvironment<string | Bucket>({
      port: String(CONTAINER_PORT),
      upstream: settings.upstream,
      upstreamTimeoutMs: settings.upstreamTimeout,
      storage: "s3",
      s3Bucket: settings.bucketName,
      s3Prefix: settings.s3Prefix,
      goPrivate: settings.goPrivate,
      goNoProxy: settings.goNoProxy,
      goNoSumDb: settings.goNoSumDb,
      goSumDb: settings.goSumDb,
      verify: settings.verify,
      fetchDeadlineMs: settings.fetchDeadline,
      maxFetches: settings.maxFetches,
      listTtlMs: settings.listTtl,
      spoolDir: SPOOL_DIR,
      authTokensFile: `${TOKENS_DIR}/tokens`,
      vcsCredentialsFile: options.vcsCredentials ? `${VCS_DIR}/netrc` : undefined,
      tlsCertFile: options.servingTls ? `${TLS_DIR}/tls.crt` : undefined,
      tlsKeyFile: options.servingTls ? `${TLS_DIR}/tls.key` : undefined,
    }),
    // Read by the AWS SDK, not the proxy: where the bucket and STS (for IRSA) are.
    AWS_REGION: settings.region,
  };
}
