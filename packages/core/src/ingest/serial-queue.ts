/**
 * Runs steps one after another in the order they were queued: events, fetch results and
 * their replays apply in arrival order. A step that fails rejects its own promise only.
 */
export class SerialQueue {
  private chain: Promise<void> = Promise.resolve();

  run(step: () => Promise<void> | void): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.chain;
  }
}
