/** Runs `check` until it stops throwing, and returns what it returned; after withinMs, throws its last error. */
export async function eventually<T>(check: () => Promise<T>, withinMs = 2_000): Promise<T> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
