import type { PluginContext } from '@mmsd/core';
import type { HaproxyOptions } from './options.js';
import type { Applied } from './runtime.js';
import { alignStates, stateFileFor } from './server-states.js';
import { cli, parseServersState } from './socket.js';
import type { HaproxyView } from './view.js';

/**
 * Server states across a (re)load of HAProxy: written to the server-state file for the new
 * worker first (from the running worker's own, or DOWN), and checked once it runs.
 */
export class StateHandover {
  constructor(
    private readonly ctx: PluginContext<HaproxyOptions>,
    private readonly options: HaproxyOptions,
  ) {}

  /** A new HAProxy knows nothing of its servers: every checked one starts DOWN. */
  async forStart(view: HaproxyView): Promise<void> {
    await this.ctx.files.write(this.options.stateFile, stateFileFor(view, undefined, this.options.checks), { fsync: false });
  }

  /** The running worker's server states, for the new one; servers it does not have start DOWN. */
  async save(view: HaproxyView, applied: Applied): Promise<void> {
    let states: string | undefined;
    try {
      states = await cli(this.options.socket, 'show servers state', 30_000);
    } catch (error) {
      this.ctx.log.warn('could not save the server states before the reload: %s', (error as Error).message);
    }
    const running = states ? [] : [...applied].flatMap(([backend, servers]) => [...servers.keys()].map((server) => `${backend}/${server}`));
    await this.ctx.files.write(this.options.stateFile, stateFileFor(view, states, this.options.checks, running), { fsync: false });
  }

  /**
   * After a (re)load, the server states from the state file may be older than the snapshot the
   * config was rendered from: the commands that set every server that differs to its state in
   * the snapshot (none if the states cannot be read).
   */
  async corrections(view: HaproxyView, applied: Applied): Promise<string[]> {
    try {
      const actual = parseServersState(await cli(this.options.socket, 'show servers state', 30_000));
      return alignStates(view, actual, applied, this.options.checks);
    } catch (error) {
      this.ctx.log.warn('could not read the server states: %s', (error as Error).message);
      return [];
    }
  }
}
