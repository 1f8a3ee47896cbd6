import cluster, { Worker } from "node:cluster";
import { readFileSync } from "node:fs";
import os from "node:os";
import { AggregatorRegistry, Registry } from "prom-client";
import type { FlightLock } from "./fetcher";

// `modproxy serve` with several workers: the primary forks them (they share
// the listening socket through node:cluster), restarts one that crashes,
// keeps the table of upstream fetches under way so each file is fetched once
// among all of them, and gathers every worker's metrics for /metrics.

/** Messages between a worker and the primary. */
type ToPrimary =
  | { type: "modproxy:ready"; url: string }
  | { type: "modproxy:lock"; id: number; key: string }
  | { type: "modproxy:unlock"; key: string }
  | { type: "modproxy:metrics"; id: number };
type ToWorker = { type: "modproxy:locked"; id: number } | { type: "modproxy:metrics"; id: number; text?: string; error?: string };

/** A restarted worker waits this long, so a worker that keeps crashing does not spin the primary. */
const RESTART_DELAY_MS = 1_000;

/**
 * The CPUs this process may use: the cgroup v2 quota (cpu.max, as Kubernetes
 * sets it from a CPU limit), else the CPUs it may run on.
 */
export function defaultWorkers(cpuMaxFile = "/sys/fs/cgroup/cpu.max"): number {
  const cpus = os.availableParallelism();
  let quota: number | undefined;
  try {
    const [max, period] = readFileSync(cpuMaxFile, "utf8").trim().split(/\s+/);
    if (max !== "max" && Number(period) > 0) quota = Math.ceil(Number(max) / Number(period));
  } catch {
    // No cgroup v2 here: the CPU count is all there is to go by.
  }
  return Math.max(1, Math.min(cpus, quota ?? cpus));
}

export interface PrimaryOptions {
  workers: number;
  log: (msg: string) => void;
  /** Called once, when the first worker listens. */
  onReady: (url: string) => void;
}

/**
 * Runs the primary until SIGTERM or SIGINT has stopped every worker (0), or
 * until a worker fails before it ever served (its exit code: the
 * configuration or a file it names is wrong, and restarting would not help).
 */
export function runPrimary({ workers, log, onReady }: PrimaryOptions): Promise<number> {
  const locks = new Map<string, { holder: Worker; waiting: { worker: Worker; id: number }[] }>();
  const aggregator = new AggregatorRegistry();
  const started = new Set<Worker>();
  let ready = false;
  let stopping = false;
  let exitCode = 0;

  return new Promise<number>((resolve) => {
    const finishIfDone = () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve(exitCode);
    };
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping the workers once they have finished their requests`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      finishIfDone();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));

    const grant = (worker: Worker, id: number) => {
      if (worker.isConnected()) worker.send({ type: "modproxy:locked", id } satisfies ToWorker);
    };
    const unlock = (key: string) => {
      const lock = locks.get(key);
      if (!lock) return;
      const next = lock.waiting.shift();
      if (!next) {
        locks.delete(key);
        return;
      }
      lock.holder = next.worker;
      grant(next.worker, next.id);
    };

    cluster.on("message", (worker, msg: ToPrimary) => {
      switch (msg?.type) {
        case "modproxy:ready":
          started.add(worker);
          if (!ready) {
            ready = true;
            onReady(msg.url);
          }
          return;
        case "modproxy:lock": {
          const lock = locks.get(msg.key);
          if (lock) lock.waiting.push({ worker, id: msg.id });
          else {
            locks.set(msg.key, { holder: worker, waiting: [] });
            grant(worker, msg.id);
          }
          return;
        }
        case "modproxy:unlock":
          if (locks.get(msg.key)?.holder === worker) unlock(msg.key);
          return;
        case "modproxy:metrics":
          aggregator.clusterMetrics().then(
            (text) => worker.isConnected() && worker.send({ type: "modproxy:metrics", id: msg.id, text } satisfies ToWorker),
            (err: Error) => worker.isConnected() && worker.send({ type: "modproxy:metrics", id: msg.id, error: err.message } satisfies ToWorker),
          );
          return;
      }
    });

    cluster.on("exit", (worker, code, signal) => {
      // A dead worker's fetches will never finish: let the next waiter fetch instead.
      for (const [key, lock] of locks) {
        lock.waiting = lock.waiting.filter((w) => w.worker !== worker);
        if (lock.holder === worker) unlock(key);
      }
      if (!stopping && !started.has(worker)) {
        // It said why on stderr; every worker would fail the same way.
        exitCode = code || 1;
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      }
      if (stopping) {
        finishIfDone();
        return;
      }
      log(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}): starting another`);
      setTimeout(() => stopping || cluster.fork(), RESTART_DELAY_MS);
    });

    for (let i = 0; i < workers; i++) cluster.fork();
  });
}

/** A worker's side of the cluster: the shared flight lock, the gathered metrics, and telling the primary it listens. */
export class WorkerLink implements FlightLock {
  private nextId = 0;
  private readonly waiting = new Map<number, (msg: ToWorker) => void>();

  constructor() {
    process.on("message", (msg: ToWorker) => {
      if (msg?.type !== "modproxy:locked" && msg?.type !== "modproxy:metrics") return;
      const answer = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      answer?.(msg);
    });
  }

  /** Lets the primary gather this registry into the cluster's /metrics. */
  shareMetrics(registry: Registry): void {
    AggregatorRegistry.setRegistries([registry]);
    // Constructing one installs prom-client's listener answering the primary's requests.
    new AggregatorRegistry();
  }

  ready(url: string): void {
    this.send({ type: "modproxy:ready", url });
  }

  async acquire(key: string): Promise<() => void> {
    await this.ask({ type: "modproxy:lock", id: this.nextId++, key });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.send({ type: "modproxy:unlock", key });
    };
  }

  /** Every worker's metrics, summed by the primary. */
  async metrics(): Promise<string> {
    const answer = await this.ask({ type: "modproxy:metrics", id: this.nextId++ });
    if (answer.type !== "modproxy:metrics" || answer.text === undefined)
      throw new Error(`gathering the workers' metrics: ${(answer as { error?: string }).error}`);
    return answer.text;
  }

  private ask(msg: ToPrimary & { id: number }): Promise<ToWorker> {
    return new Promise((resolve) => {
      this.waiting.set(msg.id, resolve);
      this.send(msg);
    });
  }

  private send(msg: ToPrimary): void {
    process.send?.(msg);
  }
}
