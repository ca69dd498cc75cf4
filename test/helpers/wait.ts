import { setTimeout as delay } from 'node:timers/promises';

/** Polls `condition` until it returns a truthy value (returned) or `timeout` ms pass (throws). */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; what?: string | (() => string) } = {},
): Promise<NonNullable<T>> {
  // Generous: the suite shares two cores with many CLIs, HAProxies and Redis; a wait ends as soon as its condition holds.
  const timeout = options.timeout ?? 30_000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const what = typeof options.what === 'function' ? options.what() : options.what;
      throw new Error(`timed out after ${timeout} ms waiting for ${what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await delay(interval);
  }
}
