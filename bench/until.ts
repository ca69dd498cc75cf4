/**
 * Polls `condition` (on every turn of the event loop, no sleep) until it gives a value other
 * than undefined, and resolves with it; a condition that throws counts as not yet.
 */
export async function until<T>(condition: () => Promise<T | undefined>, what: string, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
