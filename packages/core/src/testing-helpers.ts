import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` until it returns a truthy value (returned) or `timeout` ms pass (throws,
 * saying `what` and the last error): a test waits for a condition, never sleeps for it.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; what?: string | (() => string) } = {},
): Promise<NonNullable<T>> {
  // Generous: a suite may share its cores with many processes; a wait ends as soon as its condition holds.
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

/** A new temporary directory, removed when the test ends (`t`: ava's, or anything with `teardown`). */
export async function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'mmsd-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
