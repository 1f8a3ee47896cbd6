import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { MemoryTier } from "./memory-tier";
import type { Storage } from "./storage/storage";

/** The proxy's Prometheus metrics, in a registry of its own so several proxies can run in one process. */
export class ProxyMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: "modproxy_requests_total",
    help: "Requests answered, by protocol kind and HTTP status.",
    labelNames: ["kind", "status"] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: "modproxy_request_duration_seconds",
    help: "Time to answer a request (headers sent), by protocol kind.",
    labelNames: ["kind"] as const,
    buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [this.registry],
  });

  readonly cache = new Counter({
    name: "modproxy_cache_lookups_total",
    help: "Storage lookups by kind and result: hit, miss, stale (served from storage because upstreams failed), bypass (not cacheable).",
    labelNames: ["kind", "result"] as const,
    registers: [this.registry],
  });

  readonly stored = new Counter({
    name: "modproxy_files_stored_total",
    help: "Version files fetched, checked and stored, by kind and checksum status (verified, unverified, not-looked-up).",
    labelNames: ["kind", "checksum"] as const,
    registers: [this.registry],
  });

  readonly verificationFailures = new Counter({
    name: "modproxy_verification_failures_total",
    help: "Fetched files refused by a check (size, zip, info, mod-zip, checksum, sumdb): nothing of them was stored or served whole.",
    labelNames: ["check"] as const,
    registers: [this.registry],
  });

  readonly purged = new Counter({
    name: "modproxy_unverified_purged_total",
    help: "Versions stored unverified (MODPROXY_VERIFY=when-available) that the checksum database later contradicted, and that were removed.",
    registers: [this.registry],
  });

  readonly unverified = new Gauge({
    name: "modproxy_unverified_versions",
    help: "Version files stored unverified and waiting for the checksum database.",
    registers: [this.registry],
  });

  readonly verifyMode = new Gauge({
    name: "modproxy_verify_mode",
    help: "1 for the MODPROXY_VERIFY mode in force.",
    labelNames: ["mode"] as const,
    aggregator: "max",
    registers: [this.registry],
  });

  readonly storageFailures = new Counter({
    name: "modproxy_storage_failures_total",
    help: "Storage operations that failed (disk full or read-only, S3 refusing), by operation.",
    labelNames: ["op"] as const,
    registers: [this.registry],
  });

  readonly upstreamUp = new Gauge({
    name: "modproxy_upstream_up",
    help: "1 while an upstream proxy is taken as reachable, 0 while requests skip it until a probe gets an answer (in any worker).",
    labelNames: ["upstream"] as const,
    // Each worker judges on its own: 0 when any of them is skipping it.
    aggregator: "min",
    registers: [this.registry],
  });

  readonly upstreamFetches = new Counter({
    name: "modproxy_upstream_fetches_total",
    help: "Requests to upstream proxies by result: ok, not_found (404/410), error (unreachable or another status), timeout, skipped_down (not sent: the upstream is down). Health probes are not counted.",
    labelNames: ["upstream", "result"] as const,
    registers: [this.registry],
  });

  readonly upstreamFetchSeconds = new Histogram({
    name: "modproxy_upstream_fetch_seconds",
    help: "Time until an upstream proxy's response headers, or its failure, by upstream.",
    labelNames: ["upstream"] as const,
    buckets: [0.01, 0.05, 0.2, 1, 5, 15, 60],
    registers: [this.registry],
  });

  /** The storage whose readiness the gauge below checks when collected. */
  private storage?: Storage;

  readonly storageReady: Gauge = new Gauge({
    name: "modproxy_storage_ready",
    help: "1 when storage passes the check /readyz makes (a probe file and free space on disk, HeadBucket on S3), made at each scrape; 0 when it fails in any worker.",
    // A worker that cannot store makes the pod unready: the cluster's answer is the worst worker's.
    aggregator: "min",
    registers: [this.registry],
    collect: async () => {
      if (!this.storage) return;
      const ready = await this.storage.checkReady().then(
        () => 1,
        () => 0,
      );
      this.storageReady.set(ready);
    },
  });

  /** The memory tier whose size the gauges below report when collected, rather than on every change. */
  private tier?: MemoryTier;

  readonly tierBytes: Gauge = new Gauge({
    name: "modproxy_memory_cache_bytes",
    help: "Bytes of files held in the memory tier (MODPROXY_MEMORY_CACHE), summed over the workers.",
    registers: [this.registry],
    collect: () => this.tierBytes.set(this.tier?.bytes ?? 0),
  });

  readonly tierFiles: Gauge = new Gauge({
    name: "modproxy_memory_cache_files",
    help: "Files held in the memory tier, summed over the workers.",
    registers: [this.registry],
    collect: () => this.tierFiles.set(this.tier?.size ?? 0),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "modproxy_" });
  }

  watchStorage(storage: Storage): void {
    this.storage = storage;
  }

  watchTier(tier: MemoryTier): void {
    this.tier = tier;
  }
}
