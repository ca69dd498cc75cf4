import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { MmsdConfig } from './config/types.js';
import { describeError } from './errors.js';
import type { Logger } from './log.js';
import { createLogger } from './log.js';
import { MarathonClient } from './marathon/client.js';
import type { MarathonReader } from './marathon/client.js';
import { MarathonEventStream } from './marathon/event-stream.js';
import type { DeploymentEvent, MarathonApp, MarathonEvent, StatusUpdateEvent } from './marathon/types.js';
import { AgentMetrics } from './metrics.js';
import type { AddressResolver } from './model/address-resolver.js';
import { createDnsResolver } from './model/address-resolver.js';
import type { App, ChangeSet, Snapshot } from './model/types.js';
import type { LoadedPlugin } from './plugins/load-plugins.js';
import { PluginSet } from './plugins/plugin-set.js';
import type { RunMode } from './plugins/types.js';
import { Coalescer } from './state/coalescer.js';
import { fetchedAppsSink } from './state/fetched-apps.js';
import type { FetchedApps } from './state/fetched-apps.js';
import { loadState, StateFileWriter } from './state/state-file.js';
import { StateStore } from './state/store.js';
import { Backoff } from './util/backoff.js';
import { ensureDirs } from './util/dirs.js';

export interface AgentOptions {
  config: MmsdConfig;
  /** Directory of the config file. */
  configDir: string;
  plugins: readonly LoadedPlugin[];
  /** `run`: keep following Marathon; `once`: one sync, apply, stop. */
  mode?: Extract<RunMode, 'run' | 'once'>;
  log?: Logger;
  resolver?: AddressResolver;
  metrics?: AgentMetrics;
  fetch?: typeof fetch;
  /** Tuning for tests: reconnect and retry delays (ms). */
  retry?: { min: number; max: number };
  tapTimeout?: number;
}

const MAX_DEFERRED = 100_000;
const PERSIST_DEBOUNCE_MS = 5_000;
const PERSIST_MAX_DELAY_MS = 30_000;

function hostsOf(apps: readonly MarathonApp[]): Set<string> {
  const hosts = new Set<string>();
  for (const app of apps) for (const task of app.tasks ?? []) if (task?.host) hosts.add(task.host);
  return hosts;
}

/** The apps a deployment touched, each with its actions (ScaleApplication, StopApplication, …). */
function deploymentApps(event: DeploymentEvent): Map<string, string[]> {
  const apps = new Map<string, string[]>();
  for (const step of event.plan?.steps ?? []) {
    for (const action of step.actions ?? []) {
      if (!action.app) continue;
      apps.set(action.app, [...(apps.get(action.app) ?? []), action.action ?? '']);
    }
  }
  return apps;
}

/**
 * The agent: follows Marathon (full syncs, event stream, single-app refetches), keeps the
 * model, and runs the plugins' hooks for every coalesced batch of changes. It never turns a
 * failure into an empty state: a failed fetch keeps the last good one and is retried.
 */
export class Agent {
  readonly metrics: AgentMetrics;
  private config: MmsdConfig;
  private configDir: string;
  private readonly mode: 'run' | 'once';
  private readonly log: Logger;
  private readonly resolver: AddressResolver;
  private readonly store: StateStore;
  private client: MarathonClient;
  private stream: MarathonEventStream | undefined;
  private coalescer: Coalescer;
  private plugins!: PluginSet;
  private readonly loaded: readonly LoadedPlugin[];
  private readonly options: AgentOptions;

  private syncing: Promise<boolean> | undefined;
  /** A full sync's fetch is under way: events wait until its result is applied. */
  private syncInFlight = false;
  /** When the last full sync's request was sent. */
  private fetchStartedAt = Number.NEGATIVE_INFINITY;
  private streamOpen: (() => void) | undefined;
  private resyncAgain = false;
  private readonly syncBackoff: Backoff;
  private readonly stateWriter: StateFileWriter;
  /** Apps being refetched: their events wait until the result is applied. */
  private readonly inflightApps = new Set<string>();
  private readonly refetchAgain = new Set<string>();
  private deferred: MarathonEvent[] = [];
  private eventChain: Promise<void> = Promise.resolve();
  private rawEventChain: Promise<void> = Promise.resolve();
  private timers = new Set<NodeJS.Timeout>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private persistTimer: NodeJS.Timeout | undefined;
  private persistDueBy = 0;
  private metricsServer: Server | undefined;
  private started = false;
  private stopped = false;

  constructor(options: AgentOptions) {
    this.options = options;
    this.config = options.config;
    this.configDir = options.configDir;
    this.mode = options.mode ?? 'run';
    this.log = options.log ?? createLogger('agent');
    this.metrics = options.metrics ?? new AgentMetrics(this.config.metrics.port !== undefined && this.mode === 'run');
    this.resolver = options.resolver ?? createDnsResolver({ ttl: this.config.dns.ttl, hosts: this.config.dns.hosts, log: createLogger('dns') });
    this.store = new StateStore({ groups: this.config.groups, resolver: this.resolver, log: createLogger('model') });
    this.client = this.createClient(this.config);
    this.coalescer = this.createCoalescer(this.config);
    this.syncBackoff = new Backoff(options.retry ?? { min: 1000, max: 30_000 });
    this.stateWriter = new StateFileWriter({ log: createLogger('state'), metrics: this.metrics.helpers });
    this.loaded = options.plugins;
    this.resolver.onChange((host) => {
      this.store.hostChanged(host);
      if (this.store.pending) this.coalescer.notify();
    });
  }

  /** What plugins see of Marathon: always the current client, also after a reload. */
  private readonly marathonReader: MarathonReader = ((agent: Agent): MarathonReader => ({
    get endpoint() {
      return agent.client.endpoint;
    },
    getApps: () => agent.client.getApps(),
    getApp: (id) => agent.client.getApp(id),
  }))(this);

  /** The last published snapshot. */
  get snapshot(): Snapshot {
    return this.store.snapshot;
  }

  get pluginNames(): readonly string[] {
    return this.plugins?.names ?? [];
  }

  /**
   * Starts the plugins, then syncs with Marathon. In `run` mode it then follows the event
   * stream; when Marathon cannot be reached it starts from the state file, if there is one.
   * In `once` mode it resolves after the first snapshot was handled (or rejects without one).
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('the agent was already started');
    this.started = true;
    if (this.config.stateFile && (this.mode === 'run' || this.mode === 'once')) {
      await ensureDirs([{ path: dirname(this.config.stateFile), option: 'stateFile' }]);
      await this.stateWriter.removeStaleTemps(this.config.stateFile);
    }
    this.plugins = await this.createPluginSet(this.loaded, this.config);
    await this.plugins.hooks.onStart.promise({ mode: this.mode, config: this.config });
    if (this.config.metrics.port !== undefined && this.mode === 'run') {
      this.metricsServer = await this.metrics.serve(this.config.metrics.port, this.config.metrics.bind);
      this.log.info('metrics on http://%s:%d/metrics', this.config.metrics.bind, this.config.metrics.port);
    }
    if (this.mode === 'run') {
      // A sync whose request leaves after the stream connected misses no event: waiting a
      // moment for the stream saves the second full sync its connection would otherwise need.
      const opened = new Promise<void>((resolve) => (this.streamOpen = resolve));
      this.startStream();
      await Promise.race([opened, this.sleep(Math.min(2000, this.config.marathon.timeout * 1000))]);
      this.streamOpen = undefined;
    }
    const synced = await this.fullSync('initial');
    if (!synced) {
      const restored = await this.restoreState();
      if (this.mode === 'once' && !restored) {
        throw new Error('Marathon could not be reached and there is no saved state to start from');
      }
    }
    if (this.mode === 'run') this.scheduleResync();
  }

  /** Stops following Marathon, flushes what is pending, runs onShutdown, saves the state. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stream?.stop();
    for (const timer of [this.resyncTimer, this.retryTimer, this.persistTimer, ...this.timers]) if (timer) clearTimeout(timer);
    this.timers.clear();
    await this.eventChain.catch(() => {});
    if (this.store.pending && this.store.known) await this.coalescer.flushNow();
    this.coalescer.stop();
    await this.rawEventChain.catch(() => {});
    if (this.plugins) await this.plugins.hooks.onShutdown.promise();
    await this.persist();
    await this.stateWriter.stop();
    if (this.metricsServer) await new Promise<void>((resolve) => this.metricsServer!.close(() => resolve()));
  }

  /**
   * Replaces config and plugins (SIGHUP). The new plugins are loaded and applied before the
   * old ones are shut down; if that fails, this rejects and the running set stays.
   */
  async reload(config: MmsdConfig, configDir: string, plugins: readonly LoadedPlugin[]): Promise<void> {
    // The new plugins' context must carry the new config's directory (createPluginSet reads
    // this.configDir); a refused reload keeps the running one.
    const previousDir = this.configDir;
    this.configDir = configDir;
    let next: PluginSet;
    try {
      next = await this.createPluginSet(plugins, config);
    } catch (error) {
      this.configDir = previousDir;
      throw error;
    }
    const previous = this.config;
    await this.plugins.hooks.onShutdown.promise();
    this.plugins = next;
    this.config = config;
    await next.hooks.onStart.promise({ mode: this.mode, config });
    if (JSON.stringify(previous.groups) !== JSON.stringify(config.groups)) this.store.setGroups(config.groups);
    if (previous.coalesce !== config.coalesce) {
      this.coalescer.stop();
      this.coalescer = this.createCoalescer(config);
    }
    const marathonChanged = JSON.stringify(previous.marathon) !== JSON.stringify(config.marathon);
    if (marathonChanged) {
      this.client = this.createClient(config);
      this.stream?.stop();
      if (this.mode === 'run') this.startStream();
    }
    if (this.store.known) {
      this.store.publish();
      await this.runHooks(this.store.snapshot, StateStore.initialChanges(this.store.snapshot));
    }
    if (marathonChanged) this.requestResync('Marathon settings changed');
    this.scheduleResync();
    this.log.info('configuration reloaded: plugins %s', next.names.join(', ') || '(none)');
  }

  /** Asks for a full sync now (coalesced with one already running). */
  requestResync(reason: string): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.resyncAgain = true;
      return;
    }
    void this.fullSync(reason);
  }

  // ---------------------------------------------------------------------------------------
  // Syncing

  private async fullSync(reason: string): Promise<boolean> {
    if (this.syncing) {
      this.resyncAgain = true;
      return this.syncing;
    }
    const run = this.doFullSync(reason);
    this.syncing = run;
    let ok = false;
    try {
      ok = await run;
    } finally {
      this.syncing = undefined;
    }
    if (this.resyncAgain && !this.stopped) {
      this.resyncAgain = false;
      return this.fullSync('events may have been missed while syncing');
    }
    return ok;
  }

  private async doFullSync(reason: string): Promise<boolean> {
    const kind = reason === 'initial' ? 'initial' : 'resync';
    this.log.debug('full sync (%s)', reason);
    this.syncInFlight = true;
    let fetched: FetchedApps | undefined;
    let fetchMs = 0;
    try {
      this.fetchStartedAt = performance.now();
      fetched = await this.client.eachApp(() => fetchedAppsSink(this.store));
      fetchMs = performance.now() - this.fetchStartedAt;
      await this.resolver.ensure(fetched.hosts);
      if (this.store.known && this.looksLikeDrop(fetched.apps)) {
        const delay = this.config.dropGuard.confirmDelay;
        this.log.warn(
          'Marathon answered with %d of %d up tasks; confirming with a second fetch in %ds before applying',
          StateStore.upTasksIn(fetched.apps),
          this.store.upTasks(),
          delay,
        );
        await this.sleep(delay * 1000);
        if (this.stopped) fetched = undefined;
        else {
          fetched = await this.client.eachApp(() => fetchedAppsSink(this.store));
          await this.resolver.ensure(fetched.hosts);
          if (this.looksLikeDrop(fetched.apps)) this.log.warn('the drop was confirmed; applying it');
        }
      }
    } catch (error) {
      fetched = undefined;
      this.metrics.syncs.inc({ kind, outcome: 'error' });
      const delay = this.syncBackoff.next();
      this.log.error(
        'full sync failed: %s; %s, retrying in %ds',
        describeError(error),
        this.store.known ? 'keeping the last good state' : 'nothing is known yet',
        Math.round(delay / 1000),
      );
      this.scheduleRetry(delay);
    }
    // The result is applied at its place among the events, then the events held back meanwhile.
    let applied = false;
    await this.enqueue(async () => {
      this.syncInFlight = false;
      if (fetched && !this.stopped) {
        const applying = performance.now();
        this.store.replacePrepared(fetched.apps);
        this.syncBackoff.reset();
        this.metrics.syncs.inc({ kind, outcome: 'ok' });
        this.metrics.lastSync.set(Date.now() / 1000);
        this.log.debug('full sync: %d apps (fetch, parse and model %d ms, applied in %d ms)', fetched.apps.length, Math.round(fetchMs), Math.round(performance.now() - applying));
        applied = true;
      }
      await this.replayDeferred();
    });
    if (!applied || this.stopped) return false;
    await this.coalescer.flushNow();
    this.schedulePersist(true);
    return true;
  }

  private looksLikeDrop(apps: readonly App[]): boolean {
    const guard = this.config.dropGuard;
    const current = this.store.upTasks();
    if (current < guard.minBackends || current === 0) return false;
    const next = StateStore.upTasksIn(apps);
    return (current - next) / current > guard.ratio;
  }

  private async restoreState(): Promise<boolean> {
    if (this.store.known || !this.config.stateFile) return this.store.known;
    try {
      const saved = await loadState(this.config.stateFile, this.config.marathon.endpoints);
      if (!saved) return false;
      await this.resolver.ensure(hostsOf(saved.apps));
      let applied = false;
      await this.enqueue(async () => {
        if (this.store.known) return;
        this.store.replaceAll(saved.apps, { ...(saved.syncedAt ? { syncedAt: saved.syncedAt } : {}), full: false });
        applied = true;
        await this.replayDeferred();
      });
      if (!applied) return true;
      this.log.warn(
        'Marathon is unreachable; starting from the state saved at %s (%d apps) until it answers',
        saved.savedAt,
        saved.apps.length,
      );
      await this.coalescer.flushNow();
      return true;
    } catch (error) {
      this.log.error('%s', describeError(error));
      return false;
    }
  }

  private scheduleRetry(delay: number): void {
    if (this.mode !== 'run' || this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.requestResync('retry after a failed sync');
    }, delay);
  }

  private scheduleResync(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    if (this.mode !== 'run' || this.stopped) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      this.requestResync('periodic');
      this.scheduleResync();
    }, this.config.marathon.resyncInterval * 1000);
  }

  /** Refetches one app. Never awaited from inside the event chain (its result is applied through it). */
  private async refetchApp(id: string, why: string): Promise<void> {
    if (this.inflightApps.has(id)) {
      this.refetchAgain.add(id);
      return;
    }
    this.inflightApps.add(id);
    this.log.debug('refetching %s (%s)', id, why);
    let raw: MarathonApp | undefined;
    let ok = false;
    try {
      raw = await this.client.getApp(id);
      if (raw) await this.resolver.ensure(hostsOf([raw]));
      ok = true;
    } catch (error) {
      this.log.warn('could not refetch %s: %s; a resync will catch up', id, describeError(error));
    }
    await this.enqueue(async () => {
      this.inflightApps.delete(id);
      // A full sync that started meanwhile brings this app too, and may be newer.
      if (ok && !this.syncInFlight && !this.stopped) this.store.replaceApp(id, raw);
      await this.replayDeferred();
      if (this.store.pending) this.coalescer.notify();
    });
    if (!ok) this.requestResync(`refetch of ${id} failed`);
    else if (this.refetchAgain.delete(id) && !this.stopped) await this.refetchApp(id, 'changed again while it was fetched');
  }

  // ---------------------------------------------------------------------------------------
  // Events

  private startStream(): void {
    this.stream = new MarathonEventStream({
      client: this.client,
      deadAfter: this.config.marathon.streamTimeout * 1000,
      ...(this.options.retry ? { backoff: this.options.retry } : {}),
      log: createLogger('events'),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      onOpen: () => {
        this.streamOpen?.();
        // Resync unless the next sync's request has yet to leave (it will see everything).
        if (this.fetchStartedAt > Number.NEGATIVE_INFINITY || this.store.known) this.requestResync('event stream connected');
      },
      onEvent: (event) => this.onEvent(event),
      onGarbage: () => this.requestResync('an event could not be parsed'),
      onReconnect: () => this.metrics.streamReconnects.inc(),
    });
    this.stream.start();
  }

  private onEvent(event: MarathonEvent): void {
    if (this.stopped) return;
    this.metrics.events.inc({ type: event.eventType });
    if (this.plugins.hooks.onMarathonEvent.isUsed()) {
      const hooks = this.plugins.hooks;
      this.rawEventChain = this.rawEventChain.then(() => hooks.onMarathonEvent.promise(event)).catch(() => {});
    }
    void this.enqueue(() => this.applyEvent(event)).catch((error: unknown) =>
      this.log.error('event %s could not be applied: %s', event.eventType, describeError(error)),
    );
  }

  /** Runs `step` after everything queued before it: events and fetch results apply in arrival order. */
  private enqueue(step: () => Promise<void> | void): Promise<void> {
    const run = this.eventChain.then(step);
    this.eventChain = run.catch(() => {});
    return run;
  }

  private blocked(appId: string | undefined): boolean {
    return this.syncInFlight || !this.store.known || (appId !== undefined && this.inflightApps.has(appId));
  }

  private defer(event: MarathonEvent): void {
    if (this.deferred.length >= MAX_DEFERRED) {
      // So many events while Marathon could not be synced: the next sync supersedes them.
      this.deferred = [];
      this.requestResync('too many events held back');
      return;
    }
    this.deferred.push(event);
  }

  /** Applies the held-back events in order (inside the chain); those still blocked are held again. */
  private async replayDeferred(): Promise<void> {
    if (this.deferred.length === 0) return;
    const events = this.deferred;
    this.deferred = [];
    for (const event of events) await this.applyEvent(event);
  }

  private async applyEvent(event: MarathonEvent): Promise<void> {
    if (this.stopped) return;
    switch (event.eventType) {
      case 'status_update_event': {
        const e = event as StatusUpdateEvent;
        if (this.blocked(e.appId)) return this.defer(event);
        if (e.host && !this.resolver.knows(e.host)) await this.resolver.ensure([e.host]);
        const result = this.store.applyStatusUpdate(e);
        if (result === 'unknown-app') {
          this.defer(event);
          void this.refetchApp(e.appId, 'a task of an app not yet known');
        }
        break;
      }
      case 'health_status_changed_event':
      case 'instance_health_changed_event': {
        const e = event as { appId?: string; runSpecId?: string; instanceId?: string; taskId?: string; alive?: boolean; healthy?: boolean | null };
        const appId = e.appId ?? e.runSpecId;
        const id = e.instanceId ?? e.taskId;
        if (!appId || !id) break;
        if (this.blocked(appId)) return this.defer(event);
        const alive = event.eventType === 'health_status_changed_event' ? (e.alive ?? null) : (e.healthy ?? null);
        const result = this.store.applyHealth(appId, id, alive);
        if (result === 'unknown-app') {
          this.defer(event);
          void this.refetchApp(appId, 'health of an app not yet known');
        } else if (result === 'needs-refetch') void this.refetchApp(appId, 'health of an app with several checks');
        break;
      }
      case 'api_post_event': {
        const definition = (event as { appDefinition?: MarathonApp }).appDefinition;
        if (!definition || typeof definition.id !== 'string') break;
        if (this.blocked(definition.id)) return this.defer(event);
        this.store.applyDefinition(definition);
        break;
      }
      case 'deployment_success':
      case 'deployment_failed': {
        const e = event as DeploymentEvent;
        for (const [appId, actions] of deploymentApps(e)) {
          const known = this.store.currentApps.get(appId);
          if (event.eventType === 'deployment_success') {
            // An app whose definition already has the plan's version is up to date (its
            // api_post_event or an earlier refetch brought it); a stopped app is gone.
            if (known && e.plan?.version && known.version >= e.plan.version) continue;
            if (!known && actions.every((a) => a === 'StopApplication')) continue;
          }
          void this.refetchApp(appId, event.eventType);
        }
        break;
      }
      case 'app_terminated_event': {
        const appId = (event as { appId?: string }).appId;
        if (!appId) break;
        if (this.blocked(appId)) return this.defer(event);
        this.store.removeApp(appId);
        break;
      }
      default:
        return;
    }
    if (this.store.pending) this.coalescer.notify();
  }

  // ---------------------------------------------------------------------------------------
  // Publishing

  private async publish(): Promise<void> {
    const publication = this.store.publish();
    if (!publication) return;
    await this.runHooks(publication.snapshot, publication.changes);
    if (!publication.changes.full) this.schedulePersist(false);
  }

  private async runHooks(snapshot: Snapshot, changes: ChangeSet): Promise<void> {
    const started = performance.now();
    const hooks = this.plugins.hooks;
    if (!changes.initial) {
      if (hooks.onAppChanged.isUsed()) for (const change of changes.apps) await hooks.onAppChanged.promise(change);
      if (hooks.onTaskChanged.isUsed()) for (const change of changes.tasks) await hooks.onTaskChanged.promise(change);
    }
    await hooks.onSnapshot.promise(snapshot, changes);
    this.metrics.publishSeconds.observe((performance.now() - started) / 1000);
    this.metrics.services.set({ state: 'exposed' }, snapshot.services.size);
    this.metrics.services.set({ state: 'excluded' }, snapshot.excluded.size);
    this.metrics.rejectedTasks.set(this.store.rejectedTasks);
  }

  private schedulePersist(soon: boolean): void {
    if (!this.config.stateFile || this.stopped) return;
    const now = Date.now();
    if (!this.persistTimer) this.persistDueBy = now + PERSIST_MAX_DELAY_MS;
    else clearTimeout(this.persistTimer);
    const due = soon ? now : Math.min(now + PERSIST_DEBOUNCE_MS, this.persistDueBy);
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      void this.persist();
    }, Math.max(0, due - now));
    this.persistTimer.unref();
  }

  private async persist(): Promise<void> {
    if (!this.config.stateFile || !this.store.known) return;
    const snapshot = this.store.snapshot;
    // A failed save is logged and retried by the writer; the next one supersedes it.
    await this.stateWriter.save(this.config.stateFile, () => snapshot.apps.values(), {
      endpoints: this.config.marathon.endpoints,
      ...(snapshot.syncedAt ? { syncedAt: snapshot.syncedAt } : {}),
    });
  }

  // ---------------------------------------------------------------------------------------

  private createClient(config: MmsdConfig): MarathonClient {
    return new MarathonClient({
      endpoints: config.marathon.endpoints,
      ...(config.marathon.auth ? { auth: config.marathon.auth } : {}),
      timeout: config.marathon.timeout * 1000,
      log: createLogger('marathon'),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      onRequest: (info) => {
        this.metrics.requests.inc({ kind: info.kind, outcome: info.outcome });
        this.metrics.requestSeconds.observe({ kind: info.kind }, info.seconds);
      },
    });
  }

  private createCoalescer(config: MmsdConfig): Coalescer {
    return new Coalescer({
      minInterval: config.coalesce,
      flush: () => this.publish(),
      onError: (error) => this.log.error('publishing failed: %s', describeError(error)),
    });
  }

  private createPluginSet(plugins: readonly LoadedPlugin[], config: MmsdConfig): Promise<PluginSet> {
    return PluginSet.create(plugins, {
      config,
      configDir: this.configDir,
      mode: this.mode,
      marathon: this.marathonReader,
      metrics: this.metrics.helpers,
      getSnapshot: () => this.store.snapshot,
      onFailure: (failure) => this.metrics.hookFailures.inc({ hook: failure.hook, plugin: failure.plugin }),
      ...(this.options.tapTimeout !== undefined ? { tapTimeout: this.options.tapTimeout } : {}),
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
