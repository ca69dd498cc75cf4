import type { Logger } from '@mmsd/core';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The Lua path's upstream members, as nginx's shared dict has them: set through the endpoint
 * inside nginx on the loopback `controlPort` (one POST of `name member,member` lines for what
 * changed). A POST that fails (nginx starting, reloading) is tried again in the background
 * until it lands, with whatever changed meanwhile; what nginx has is forgotten when it
 * (re)starts.
 */
export class UpstreamMembers {
  /** What nginx's dict has, by upstream. */
  private readonly sent = new Map<string, string>();
  /** What it should get and has not yet. */
  private readonly pending = new Map<string, string>();
  private retrying = false;
  private lastError = '';

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /** nginx started: its dict is empty. */
  forget(): void {
    this.sent.clear();
  }

  /**
   * Sets the members of these upstreams where they differ from what nginx has. Resolves after
   * the first attempt; one that failed goes on in the background (the publish does not wait).
   */
  async set(wanted: ReadonlyMap<string, string>, stopping: () => boolean): Promise<void> {
    for (const [name, members] of wanted) {
      if (this.sent.get(name) !== members) this.pending.set(name, members);
      else this.pending.delete(name);
    }
    if (this.pending.size === 0 || this.retrying) return;
    if (await this.flush()) return;
    void this.retry(stopping);
  }

  private async flush(): Promise<boolean> {
    const batch = new Map(this.pending);
    try {
      const body = [...batch].map(([name, members]) => `${name} ${members}\n`).join('');
      const response = await fetch(this.url, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
      const text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.trim()}`);
      for (const [name, members] of batch) {
        this.sent.set(name, members);
        if (this.pending.get(name) === members) this.pending.delete(name);
      }
      this.log.debug('upstream members set in nginx: %d upstreams', batch.size);
      return this.pending.size === 0 || this.flush();
    } catch (error) {
      this.lastError = (error as Error).message;
      return false;
    }
  }

  private async retry(stopping: () => boolean): Promise<void> {
    this.retrying = true;
    try {
      for (let attempt = 1; !stopping(); attempt++) {
        if (attempt === 3) this.log.warn('cannot set upstream members in nginx (%s): %s; trying again', this.url, this.lastError);
        await delay(Math.min(50 * 2 ** attempt, 2000));
        if (stopping()) return;
        if (await this.flush()) {
          if (attempt >= 3) this.log.info('upstream members set in nginx again');
          return;
        }
      }
    } finally {
      this.retrying = false;
    }
  }
}
