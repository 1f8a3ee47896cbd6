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

/** Runs `fn` over every item with at most `limit` runs at once; items are taken as runs finish, so an iterable may be long. */
export async function eachConcurrently<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items)[Symbol.asyncIterator]();
  const worker = async () => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
