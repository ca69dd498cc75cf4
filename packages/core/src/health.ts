import type { LoggedProblem } from './log.js';
import type { Snapshot } from './model/types.js';

export type { LoggedProblem } from './log.js';

export type HandlerState = 'ok' | 'failing';

/** A handler as `/health` shows it: what it says of itself (`ctx.health`) or what its failed taps say. */
export interface HandlerHealth {
  readonly plugin: string;
  readonly state: HandlerState;
  /** Why it is failing: its own words, or the last failed tap. */
  readonly reason?: string;
  /** When it entered this state (ISO 8601). */
  readonly since: string;
  /** Taps of this plugin that failed in a row (one that succeeds resets it). */
  readonly failuresInARow: number;
}

/** `GET /health` (and `mmsd status --json`). */
export interface HealthReport {
  /** `starting` until there is a state (a sync, or the state file); `unhealthy` says why in `reasons`. */
  readonly status: 'starting' | 'ok' | 'unhealthy';
  readonly reasons: readonly string[];
  /** Seconds since Marathon last confirmed the state (0 while the event stream is connected); null before any word. */
  readonly stateAge: number | null;
  /** The last full sync (ISO 8601), or null. */
  readonly syncedAt: string | null;
  readonly marathon: { readonly endpoint: string; readonly mode: 'events' | 'poll'; readonly streamConnected: boolean };
  readonly services: number;
  readonly backends: { readonly up: number; readonly total: number };
  readonly excluded: readonly { readonly name: string; readonly reason: string }[];
  readonly handlers: readonly HandlerHealth[];
  readonly lastProblems: readonly LoggedProblem[];
  readonly version: string;
  /** Seconds since the agent started. */
  readonly uptime: number;
}

export interface HealthOptions {
  /** `health.maxStateAge`, seconds. */
  maxStateAge(): number;
  /** `health.handlerFailures`. */
  handlerFailures(): number;
  snapshot(): Snapshot;
  marathon(): { endpoint: string; mode: 'events' | 'poll' };
  version: string;
  now?: () => number;
}

const PROBLEMS_KEPT = 20;

interface Handler {
  state: HandlerState;
  reason?: string;
  since: number;
  failuresInARow: number;
  lastFailure?: string;
  own: { state: HandlerState; reason?: string };
}

/**
 * The agent's view of itself for `/health` and `mmsd status`: whether it has a state, how old
 * Marathon's word on it is, which handlers are failing, and the last problems it logged. Fed in
 * O(1) by the agent (syncs, the event stream), the hooks (each tap's outcome) and the handlers
 * (`ctx.health`); a report is O(services).
 */
export class AgentHealth {
  private readonly now: () => number;
  private readonly startedAt: number;
  private syncedAt: number | undefined;
  /** Since when the event stream confirms the state (undefined: not connected). */
  private streamSince: number | undefined;
  /** What the stream confirmed until it was lost. */
  private streamConfirmedAt: number | undefined;
  private hasState = false;
  private readonly handlers = new Map<string, Handler>();
  private readonly problems: LoggedProblem[] = [];

  constructor(private readonly o: HealthOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** A full sync with Marathon succeeded. */
  synced(): void {
    this.syncedAt = this.now();
    this.hasState = true;
  }

  /** The state came from the state file, saved at `syncedAt` (Marathon could not be reached at start). */
  restored(syncedAt: string | undefined): void {
    this.hasState = true;
    const at = syncedAt ? Date.parse(syncedAt) : Number.NaN;
    if (this.syncedAt === undefined && Number.isFinite(at)) this.syncedAt = at;
  }

  streamOpened(): void {
    this.streamSince = this.now();
  }

  streamLost(): void {
    if (this.streamSince !== undefined) this.streamConfirmedAt = this.now();
    this.streamSince = undefined;
  }

  /** The loaded plugins (each is listed, ok until it fails); others are forgotten. */
  handlersAre(names: readonly string[]): void {
    for (const name of [...this.handlers.keys()]) if (!names.includes(name)) this.handlers.delete(name);
    for (const name of names) this.handler(name);
  }

  tapFailed(plugin: string, message: string): void {
    const h = this.handler(plugin);
    h.failuresInARow++;
    h.lastFailure = message;
    this.settle(h);
  }

  tapSucceeded(plugin: string): void {
    const h = this.handlers.get(plugin);
    if (!h || h.failuresInARow === 0) return;
    h.failuresInARow = 0;
    this.settle(h);
  }

  /** What a handler says of itself (`ctx.health.ok()` / `failing(reason)`). */
  reported(plugin: string, state: HandlerState, reason?: string): void {
    const h = this.handler(plugin);
    h.own = { state, ...(reason ? { reason } : {}) };
    this.settle(h);
  }

  logged(problem: LoggedProblem): void {
    this.problems.push(problem);
    if (this.problems.length > PROBLEMS_KEPT) this.problems.shift();
  }

  report(): HealthReport {
    const now = this.now();
    const snapshot = this.o.snapshot();
    const marathon = this.o.marathon();
    const streamConnected = this.streamSince !== undefined;
    const confirmed = Math.max(this.syncedAt ?? -Infinity, this.streamConfirmedAt ?? -Infinity);
    const stateAge = !this.hasState ? null : streamConnected && this.syncedAt !== undefined ? 0 : Number.isFinite(confirmed) ? Math.round((now - confirmed) / 1000) : null;
    const reasons: string[] = [];
    if (this.hasState && (stateAge === null || stateAge > this.o.maxStateAge())) {
      reasons.push(
        stateAge === null
          ? 'the state comes from the state file and Marathon has not confirmed it yet'
          : `Marathon has not confirmed the state for ${stateAge} s (health.maxStateAge: ${this.o.maxStateAge()} s); mmsd serves the last state it knows`,
      );
    }
    const handlers: HandlerHealth[] = [];
    for (const [plugin, h] of this.handlers) {
      handlers.push({ plugin, state: h.state, ...(h.reason ? { reason: h.reason } : {}), since: new Date(h.since).toISOString(), failuresInARow: h.failuresInARow });
      if (h.state === 'failing') reasons.push(`handler ${plugin} is failing: ${h.reason ?? 'no reason given'}`);
    }
    let up = 0;
    let total = 0;
    for (const service of snapshot.services.values()) {
      total += service.backends.length;
      for (const b of service.backends) if (b.health === 'up') up++;
    }
    return {
      status: !this.hasState ? 'starting' : reasons.length > 0 ? 'unhealthy' : 'ok',
      reasons,
      stateAge,
      syncedAt: this.syncedAt !== undefined ? new Date(this.syncedAt).toISOString() : null,
      marathon: { ...marathon, streamConnected },
      services: snapshot.services.size,
      backends: { up, total },
      excluded: [...snapshot.excluded.values()].map((e) => ({ name: e.service.name, reason: e.detail })),
      handlers,
      lastProblems: [...this.problems],
      version: this.o.version,
      uptime: Math.round((now - this.startedAt) / 1000),
    };
  }

  private handler(plugin: string): Handler {
    let h = this.handlers.get(plugin);
    if (!h) {
      h = { state: 'ok', since: this.now(), failuresInARow: 0, own: { state: 'ok' } };
      this.handlers.set(plugin, h);
    }
    return h;
  }

  /** Failing when it says so, or when its taps failed `handlerFailures` times in a row. */
  private settle(h: Handler): void {
    const tapsFailing = h.failuresInARow >= this.o.handlerFailures();
    const state: HandlerState = h.own.state === 'failing' || tapsFailing ? 'failing' : 'ok';
    if (state !== h.state) h.since = this.now();
    h.state = state;
    const reason = h.own.state === 'failing' ? h.own.reason : tapsFailing ? `${h.failuresInARow} failures in a row, the last: ${h.lastFailure}` : undefined;
    if (reason) h.reason = reason;
    else delete h.reason;
  }
}
