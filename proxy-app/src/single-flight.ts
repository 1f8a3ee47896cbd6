/**
 * Concurrent calls for one key share one run: the first caller's function
 * runs, everyone else gets its promise. The key is free again once `hold`
 * (by default the result itself) settles, so a fetch that answers early and
 * keeps publishing in the background is still shared until it is stored.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>, hold: (value: T) => Promise<unknown> = async () => {}): Promise<T> {
    const running = this.flights.get(key);
    if (running) return running;
    const flight = fn();
    this.flights.set(key, flight);
    flight
      .then(hold)
      .catch(() => {})
      .finally(() => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      });
    return flight;
  }

  /** Flights under way, for tests and metrics. */
  get size(): number {
    return this.flights.size;
  }
}

/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
export class Slots {
  private used = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.used < this.limit) {
      this.used++;
    } else {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.used--;
    };
  }

  get inUse(): number {
    return this.used;
  }
}
