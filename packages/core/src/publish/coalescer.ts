export interface CoalescerOptions {
  /**
   * Milliseconds between the starts of two publishes at least (config `coalesce`); 0: none,
   * batching follows the load alone.
   */
  minInterval: number;
  /** Publishes what has accumulated. Never runs twice at once. */
  flush: () => Promise<void>;
  onError?: (error: unknown) => void;
}

/**
 * Batches by load, never by a clock: a change when nothing is being published is published at
 * once (after one `setImmediate`, so that the events of one chunk of the stream go together);
 * changes that arrive while a publish runs accumulate and are published the moment it ends.
 * With `minInterval`, publishes also start at least that many ms apart. Nothing is ever lost.
 */
export class Coalescer {
  private readonly options: CoalescerOptions;
  private timer: { timeout: NodeJS.Timeout } | { immediate: NodeJS.Immediate } | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private lastStart = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(options: CoalescerOptions) {
    this.options = options;
  }

  /** A change was applied. */
  notify(): void {
    if (this.stopped) return;
    this.pending = true;
    if (!this.running && this.timer === undefined) this.schedule();
  }

  /** Publishes now, whatever `minInterval` says (full syncs, stop). Resolves when it has been published. */
  async flushNow(): Promise<void> {
    this.pending = true;
    // A publish under way may not have seen the latest changes: one more follows it at once.
    while (this.running) await this.running;
    if (this.pending) {
      this.clearTimer();
      this.run();
    }
    await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private schedule(): void {
    const wait = this.lastStart + this.options.minInterval - Date.now();
    const go = () => {
      this.timer = undefined;
      this.run();
    };
    this.timer = wait > 0 ? { timeout: setTimeout(go, wait) } : { immediate: setImmediate(go) };
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    if ('timeout' in this.timer) clearTimeout(this.timer.timeout);
    else clearImmediate(this.timer.immediate);
    this.timer = undefined;
  }

  private run(): void {
    if (this.stopped && !this.pending) return;
    this.running = (async () => {
      try {
        // Without a minimum interval, what accumulated during a publish goes out right after it.
        do {
          this.pending = false;
          this.lastStart = Date.now();
          try {
            await this.options.flush();
          } catch (error) {
            this.options.onError?.(error);
          }
        } while (this.pending && !this.stopped && this.options.minInterval === 0);
      } finally {
        this.running = undefined;
      }
      if (this.pending && !this.stopped) this.schedule();
    })();
  }
}
