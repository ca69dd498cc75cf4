export interface BackoffOptions {
  /** Milliseconds before the first retry. */
  min: number;
  /** Milliseconds the delay never exceeds. */
  max: number;
  random?: () => number;
}

/**
 * Exponential backoff with jitter: attempt n waits between half and all of min·2ⁿ (capped),
 * so that many agents that lost Marathon at once do not come back at once.
 */
export class Backoff {
  private attempts = 0;
  private readonly options: BackoffOptions;

  constructor(options: BackoffOptions) {
    this.options = options;
  }

  get failures(): number {
    return this.attempts;
  }

  next(): number {
    const ceiling = Math.min(this.options.max, this.options.min * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}
