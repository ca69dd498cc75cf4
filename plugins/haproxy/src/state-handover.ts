import type { PluginContext } from '@mmsd/core';
import { CliSession } from './cli-session.js';
import type { HaproxyOptions } from './options.js';
import type { Applied } from './runtime.js';
import { alignStates, carriedChecks, stateFileFor } from './server-states.js';
import { cli, parseServersState } from './socket.js';
import type { HaproxyView } from './view.js';

/** How long the session with a worker being replaced may stay open (as long as mmsd waits for a reload). */
const OUTGOING_MS = 60_000;
/** A command on that session this often, so that HAProxy's `stats timeout` (10 s idle) does not close it during a long reload. */
const KEEPALIVE_MS = 3000;

/**
 * Server states across a (re)load of HAProxy: written to the server-state file for the new
 * worker first (from the running worker's own, or DOWN), and checked once it runs.
 */
export class StateHandover {
  /**
   * The session the states were saved through, held until the new worker runs: its worker
   * (the one being replaced) stays reachable, also when it has no other connection, so that
   * what its checks found since the save is carried over too.
   */
  private outgoing: { session: CliSession; keepalive: NodeJS.Timeout } | undefined;

  constructor(
    private readonly ctx: PluginContext<HaproxyOptions>,
    private readonly options: HaproxyOptions,
    private readonly keepaliveMs = KEEPALIVE_MS,
  ) {}

  /** A new HAProxy knows nothing of its servers: every checked one starts DOWN. */
  async forStart(view: HaproxyView): Promise<void> {
    this.release();
    await this.ctx.files.write(this.options.stateFile, stateFileFor(view, undefined, this.options.checks), { fsync: false });
  }

  /** The running worker's server states, for the new one; servers it does not have start DOWN. */
  async save(view: HaproxyView, applied: Applied): Promise<void> {
    this.release();
    const session = new CliSession(this.options.socket, { idleMs: OUTGOING_MS, maxAgeMs: OUTGOING_MS, reconnect: false });
    let states: string | undefined;
    try {
      states = await session.run('show servers state', 30_000);
      const keepalive = setInterval(() => void session.run('show version', 5000).catch(() => undefined), this.keepaliveMs);
      keepalive.unref();
      this.outgoing = { session, keepalive };
    } catch (error) {
      session.close();
      this.ctx.log.warn('could not save the server states before the reload: %s', (error as Error).message);
    }
    const running = states ? [] : [...applied].flatMap(([backend, servers]) => [...servers.keys()].map((server) => `${backend}/${server}`));
    await this.ctx.files.write(this.options.stateFile, stateFileFor(view, states, this.options.checks, running), { fsync: false });
  }

  /** The reload did not happen: the worker the states were saved from is let go. */
  release(): void {
    this.takeOutgoing()?.close();
  }

  /** The held session, no longer held (the caller closes it). */
  private takeOutgoing(): CliSession | undefined {
    const outgoing = this.outgoing;
    this.outgoing = undefined;
    if (outgoing) clearInterval(outgoing.keepalive);
    return outgoing?.session;
  }

  /**
   * After a (re)load, the server states from the state file may be older than the snapshot the
   * config was rendered from, and than what the replaced worker's checks found since: the
   * commands that set every server that differs (none if the states cannot be read).
   */
  async corrections(view: HaproxyView, applied: Applied): Promise<string[]> {
    const outgoing = this.takeOutgoing();
    try {
      const actual = parseServersState(await cli(this.options.socket, 'show servers state', 30_000));
      const commands = alignStates(view, actual, applied, this.options.checks);
      if (outgoing && this.options.checks) {
        try {
          const carried = carriedChecks(view, parseServersState(await outgoing.run('show servers state', 5000)), actual);
          if (carried.length > 0) this.ctx.log.debug("%d servers take the replaced worker's last check result: %s", carried.length, carried.join('; '));
          commands.push(...carried);
        } catch (error) {
          this.ctx.log.debug('the replaced worker did not answer (%s); its last checks are not carried over', (error as Error).message);
        }
      }
      return commands;
    } catch (error) {
      this.ctx.log.warn('could not read the server states: %s', (error as Error).message);
      return [];
    } finally {
      outgoing?.close();
    }
  }
}
