import type { Logger } from '@mmsd/core';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The Lua path's upstream members, as nginx's shared dict has them: set through the endpoint
 * inside nginx on the loopback `controlPort` (one POST of `name member,member` lines for what
 * changed). A POST that fails (nginx starting, reloading) is tried again until it lands or a
 * newer one replaces it; what nginx has is forgotten when it (re)starts.
 */
export class UpstreamMembers {
  private readonly sent = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /** nginx started: its dict is empty. */
  forget(): void {
    this.sent.clear();
  }

  /** Sets the members of these upstreams where they differ from what nginx has. */
  async set(wanted: ReadonlyMap<string, string>, stopping: () => boolean): Promise<void> {
    const lines: string[] = [];
    for (const [name, members] of wanted) if (this.sent.get(name) !== members) lines.push(`${name} ${members}`);
    if (lines.length === 0) return;
    const generation = ++this.generation;
    for (let attempt = 0; !stopping(); attempt++) {
      try {
        const response = await fetch(this.url, { method: 'POST', body: `${lines.join('\n')}\n`, signal: AbortSignal.timeout(5000) });
        await response.text();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        for (const line of lines) {
          const [name, members = ''] = line.split(' ');
          this.sent.set(name!, members);
        }
        this.log.debug('upstream members set in nginx: %d upstreams', lines.length);
        return;
      } catch (error) {
        if (generation !== this.generation) return;
        if (attempt === 3) this.log.warn('cannot set upstream members in nginx (%s): %s; trying again', this.url, (error as Error).message);
        await delay(Math.min(50 * 2 ** attempt, 2000));
      }
    }
  }
}
