// The file contracts of the plugin API (re-exported by plugins/api.ts), here so that the
// file helpers do not import the plugin API that exposes them.
import type { Logger } from '../log.js';
import type { BackoffOptions } from './backoff.js';
import type { MetricsHelpers } from './metric-types.js';

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** A file's content: text, or encoded pieces written in order with one writev (nothing joined). */
export type FileContent = string | readonly Uint8Array[];

export interface WriteOptions {
  /** File mode, e.g. 0o644. */
  mode?: number;
  /**
   * Compare with the file on disk first and leave it alone when equal (default true). A caller
   * that knows the content changed (it remembers what it wrote) saves the read with false.
   */
  compare?: boolean;
  /** fsync before the rename (default true): durable across a crash of the machine, slower. */
  fsync?: boolean;
}

/** A temp file removed by removeStaleTemps. */
export interface StaleTemp {
  readonly name: string;
  readonly bytes: number;
}

export interface RetryingFilesOptions {
  /** Who writes: the `plugin` label of the metrics (a plugin's name; `core` for mmsd's own files). */
  owner: string;
  log: Logger;
  metrics?: MetricsHelpers;
  /** Delays between retries in ms (default 1 s doubling up to 30 s, each between half and all of that). */
  backoff?: BackoffOptions;
  /** The owner's `ctx.health`: failing while any write is pending, ok once all have landed. */
  health?: { ok(): void; failing(reason: string): void };
}

export interface RetryingWriteOptions extends WriteOptions {
  /**
   * Another path of the same writer that must have landed first (a manifest that lists this
   * file): when it is pending it is retried first, and this write fails with its error meanwhile.
   */
  after?: string;
}

/**
 * Writes and removals that are not lost when they fail (ENOSPC, EIO, EACCES, …): the latest
 * desired state of each path is kept and retried with backoff until it lands, without waiting
 * for the next change of that path. A newer write or removal of a path supersedes a pending one
 * (stale content never lands over newer), and the operations of one path run one at a time.
 * Nothing rejects: what did not land resolves as `'pending'` (or false from `apply`).
 */
export interface RetryingFiles {
  /** Like FileHelpers.write. */
  write(path: string, content: FileContent, options?: RetryingWriteOptions): Promise<WriteOutcome | 'pending'>;
  /** Like FileHelpers.remove. */
  remove(path: string): Promise<boolean | 'pending'>;
  /** Any operation that brings `path` to its desired state (e.g. a streamed write); true when it landed now. */
  apply(path: string, run: () => Promise<unknown>, options?: { after?: string }): Promise<boolean>;
  /** Retries everything pending now (a full resync calls this); resolves when those attempts are done. */
  retryNow(): Promise<void>;
  /** Whether the latest write or removal of `path` failed and waits for a retry. */
  isPending(path: string): boolean;
  /** How many paths wait for a retry. */
  readonly pending: number;
  /** Stops retrying (shutdown); resolves once attempts under way are done. */
  stop(): Promise<void>;
}
