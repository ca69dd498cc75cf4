export interface CoalescerOptions {
  /** Milliseconds a burst may extend the window by, per event (config `coalesce`). */
  window: number;
  /** Milliseconds after the first held-back event when the batch is applied whatever follows. */
  maxWait: number;
  /** Publishes what has accumulated. Never runs twice at once. */
  flush: () => Promise<void>;
  onError?: (error: unknown) => void;
}

/**
 * Batches changes without delaying isolated ones: a change with no other change in the `window`
 * ms before it is flushed at once; changes that follow within `window` ms are held back and
 * flushed together when the burst pauses for `window` ms, or at the latest `maxWait` ms after
 * the first of them.
 * A flush that is still running when the next is due delays it; nothing is ever lost.
 */
export class Coalescer {
  private readonly options: CoalescerOptions;
  private timer: NodeJS.Timeout | undefined;
  private lastChange = Number.NEGATIVE_INFINITY;
  private heldSince = 0;
  private held = false;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(options: CoalescerOptions) {
    this.options = options;
  }

  /** A change was applied. */
  notify(): void {
    if (this.stopped) return;
    const now = Date.now();
    // Isolated: no other change within the window before it.
    const isolated = now - this.lastChange >= this.options.window;
    this.lastChange = now;
    if (isolated && !this.held) {
      this.run();
      return;
    }
    if (!this.held) {
      this.held = true;
      this.heldSince = now;
    }
    this.schedule(now);
  }

  /** Flush now, whatever the window says (full syncs). Resolves when it has been flushed. */
  async flushNow(): Promise<void> {
    // Held-back changes go out with it; the window of the burst they belong to stays as it is.
    this.clearTimer();
    this.held = false;
    this.run();
    await this.idle();
  }

  /** Resolves when no flush is running or pending. */
  async idle(): Promise<void> {
    while (this.running || this.held) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private schedule(now: number): void {
    this.clearTimer();
    const quietAt = now + this.options.window;
    const capAt = this.heldSince + this.options.maxWait;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        // The burst paused for a whole window (not merely hit the cap): whatever comes next is
        // isolated, whatever the clocks say about the milliseconds in between.
        if (quietAt <= capAt) this.lastChange = Number.NEGATIVE_INFINITY;
        if (!this.held) return;
        this.held = false;
        this.run();
      },
      Math.max(0, Math.min(quietAt, capAt) - now),
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          try {
            await this.options.flush();
          } catch (error) {
            this.options.onError?.(error);
          }
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
  }
}
