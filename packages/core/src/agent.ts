import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { MmsdConfig } from './config/types.js';
import { describeError } from './errors.js';
import { Ingest } from './ingest/ingest.js';
import type { Logger } from './log.js';
import { createLogger, onProblem } from './log.js';
import { clientFor, readerOf } from './marathon/client-for.js';
import { labelRulesOf } from './model/marathon-lb.js';
import type { MarathonClient } from './marathon/client.js';
import type { MarathonReader } from './marathon/client.js';
import { AgentHealth } from './health.js';
import { AgentMetrics } from './metrics.js';
import type { AddressResolver } from './model/address-resolver.js';
import { createDnsResolver } from './model/address-resolver.js';
import type { Snapshot } from './model/types.js';
import { Persister } from './persist/persister.js';
import type { LoadedPlugin } from './plugins/load-plugins.js';
import { PluginSet } from './plugins/plugin-set.js';
import type { RunMode } from './plugins/api.js';
import { Coalescer } from './publish/coalescer.js';
import { Publisher } from './publish/publisher.js';
import { StateStore } from './state/store.js';
import { ensureDirs } from './util/dirs.js';
import { Sleeper } from './util/sleeper.js';

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
  /** For Marathon's REST API (the event stream is Node's http client). */
  fetch?: typeof fetch;
  /** Tuning for tests: reconnect and retry delays (ms). */
  retry?: { min: number; max: number };
  tapTimeout?: number;
  /** The host's version, for `/health`. */
  version?: string;
}

/**
 * The agent, composed of the stages of the flow (docs/architecture.md): it follows Marathon
 * (ingest: full syncs, the event stream, single-app refetches, all through one serial queue),
 * keeps the model (state), and publishes every batch of changes to the plugins' hooks
 * (publish); the state file follows (persist). It never turns a failure into an empty state.
 */
export class Agent {
  readonly metrics: AgentMetrics;
  readonly health: AgentHealth;
  private config: MmsdConfig;
  private readonly mode: 'run' | 'once';
  private readonly log: Logger;
  private readonly options: AgentOptions;
  private readonly resolver: AddressResolver;
  private readonly store: StateStore;
  private readonly sleeper = new Sleeper();
  private readonly ingest: Ingest;
  private readonly persister: Persister;
  private readonly publisher: Publisher;
  private client: MarathonClient;
  private coalescer: Coalescer;
  private plugins!: PluginSet;
  private streamOpen: (() => void) | undefined;
  private metricsServer: Server | undefined;
  private started = false;
  private stopped = false;

  constructor(options: AgentOptions) {
    this.options = options;
    this.config = options.config;
    this.mode = options.mode ?? 'run';
    this.log = options.log ?? createLogger('agent');
    this.metrics = options.metrics ?? new AgentMetrics(this.config.metrics.port !== undefined && this.mode === 'run');
    this.resolver = options.resolver ?? createDnsResolver({ ttl: this.config.dns.ttl, hosts: this.config.dns.hosts, log: createLogger('dns') });
    const store = new StateStore({ groups: this.config.groups, labelRules: labelRulesOf(this.config), resolver: this.resolver, log: createLogger('model') });
    this.store = store;
    this.client = clientFor(this.config, this.metrics, options.fetch);
    this.health = new AgentHealth({
      maxStateAge: () => this.config.health.maxStateAge,
      handlerFailures: () => this.config.health.handlerFailures,
      snapshot: () => store.snapshot,
      marathon: () => ({ endpoint: this.client.endpoint, mode: this.config.marathon.mode }),
      version: options.version ?? '',
    });
    this.persister = new Persister({ config: () => this.config, store, log: createLogger('state'), metrics: this.metrics.helpers });
    this.ingest = new Ingest({
      client: () => this.client,
      config: () => this.config,
      hooks: () => this.plugins.hooks,
      mode: this.mode,
      store,
      resolver: this.resolver,
      metrics: this.metrics,
      log: this.log,
      sleeper: this.sleeper,
      ...(options.retry ? { retry: options.retry } : {}),
      changed: () => this.coalescer.notify(),
      flush: () => this.coalescer.flushNow(),
      synced: () => {
        this.health.synced();
        this.persister.schedule(true);
      },
      streamOpened: () => {
        this.health.streamOpened();
        this.streamOpen?.();
      },
      streamLost: () => this.health.streamLost(),
      stopped: () => this.stopped,
    });
    this.publisher = new Publisher({ store, hooks: () => this.plugins.hooks, metrics: this.metrics, published: () => this.persister.schedule(false) });
    this.coalescer = this.createCoalescer(this.config);
    this.resolver.onChange((host) => {
      store.hostChanged(host);
      if (store.pending) this.coalescer.notify();
    });
  }

  /** What plugins see of Marathon: always the current client, also after a reload. */
  private readonly marathonReader: MarathonReader = readerOf(() => this.client);

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
    if (this.config.stateFile) {
      await ensureDirs([{ path: dirname(this.config.stateFile), option: 'stateFile' }]);
      await this.persister.removeStaleTemps(this.config.stateFile);
    }
    this.plugins = await this.createPluginSet(this.options.plugins, this.config, this.options.configDir);
    this.health.handlersAre(this.plugins.names);
    await this.plugins.hooks.onStart.promise({ mode: this.mode, config: this.config });
    if (this.config.metrics.port !== undefined && this.mode === 'run') {
      onProblem((problem) => this.health.logged(problem));
      this.metricsServer = await this.metrics.serve(this.config.metrics.port, this.config.metrics.bind, () => this.health.report());
      this.log.info('metrics on http://%s:%d/metrics, health on /health', this.config.metrics.bind, this.config.metrics.port);
    }
    if (this.following) {
      // A sync whose request leaves after the stream connected misses no event: waiting a
      // moment for the stream saves the second full sync its connection would otherwise need.
      const opened = new Promise<void>((resolve) => (this.streamOpen = resolve));
      this.ingest.feed.start();
      await Promise.race([opened, this.sleeper.sleep(Math.min(2000, this.config.marathon.timeout * 1000))]);
      this.streamOpen = undefined;
    }
    const synced = await this.ingest.sync.run('initial');
    if (!synced) {
      const restored = await this.ingest.sync.restore();
      if (restored) this.health.restored(this.store.snapshot.syncedAt);
      if (this.mode === 'once' && !restored) {
        throw new Error('Marathon could not be reached and there is no saved state to start from');
      }
    }
    if (this.mode === 'run') {
      if (!this.following) this.log.info('polling Marathon every %d s (marathon.mode: poll, no event stream)', this.config.marathon.pollInterval);
      this.ingest.sync.scheduleResync();
    }
  }

  /** Stops following Marathon, flushes what is pending, runs onShutdown, saves the state. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ingest.stop();
    this.persister.cancel();
    this.sleeper.cancel();
    await this.ingest.queue.idle();
    if (this.store.pending && this.store.known) await this.coalescer.flushNow();
    this.coalescer.stop();
    await this.ingest.feed.drained();
    if (this.plugins) await this.plugins.hooks.onShutdown.promise();
    await this.persister.finish();
    if (this.metricsServer) {
      onProblem(undefined);
      await new Promise<void>((resolve) => this.metricsServer!.close(() => resolve()));
    }
  }

  /**
   * Replaces config and plugins (SIGHUP). The new plugins are loaded and applied before the
   * old ones are shut down; if that fails, this rejects and the running set stays.
   */
  async reload(config: MmsdConfig, configDir: string, plugins: readonly LoadedPlugin[]): Promise<void> {
    // The new plugins get the new config's directory; a refused reload keeps the running set.
    const next = await this.createPluginSet(plugins, config, configDir);
    const previous = this.config;
    await this.plugins.hooks.onShutdown.promise();
    this.plugins = next;
    this.health.handlersAre(next.names);
    this.config = config;
    await next.hooks.onStart.promise({ mode: this.mode, config });
    if (JSON.stringify([previous.groups, labelRulesOf(previous)]) !== JSON.stringify([config.groups, labelRulesOf(config)])) this.store.setGroups(config.groups, labelRulesOf(config));
    if (previous.coalesce !== config.coalesce) {
      this.coalescer.stop();
      this.coalescer = this.createCoalescer(config);
    }
    const marathonChanged = JSON.stringify(previous.marathon) !== JSON.stringify(config.marathon);
    if (marathonChanged) this.client = clientFor(config, this.metrics, this.options.fetch);
    if (marathonChanged || this.ingest.feed.filterStale) {
      if (this.following) this.ingest.feed.start();
      else this.ingest.feed.stop();
    }
    if (this.store.known) {
      this.store.publish();
      await this.publisher.run(this.store.snapshot, StateStore.initialChanges(this.store.snapshot));
    }
    if (marathonChanged) this.requestResync('Marathon settings changed');
    this.ingest.sync.scheduleResync();
    this.log.info('configuration reloaded: plugins %s', next.names.join(', ') || '(none)');
  }

  /** `run` with Marathon's event stream (not `poll` mode, which syncs every pollInterval instead). */
  private get following(): boolean {
    return this.mode === 'run' && this.config.marathon.mode !== 'poll';
  }

  /** Asks for a full sync now (coalesced with one already running). */
  requestResync(reason: string): void {
    this.ingest.sync.request(reason);
  }

  private createCoalescer(config: MmsdConfig): Coalescer {
    return new Coalescer({
      minInterval: config.coalesce,
      flush: () => this.publisher.publish(),
      onError: (error) => this.log.error('publishing failed: %s', describeError(error)),
    });
  }

  private createPluginSet(plugins: readonly LoadedPlugin[], config: MmsdConfig, configDir: string): Promise<PluginSet> {
    return PluginSet.create(plugins, {
      config,
      configDir,
      mode: this.mode,
      marathon: this.marathonReader,
      metrics: this.metrics.helpers,
      getSnapshot: () => this.store.snapshot,
      onFailure: (failure) => {
        this.metrics.hookFailures.inc({ hook: failure.hook, plugin: failure.plugin });
        this.health.tapFailed(failure.plugin, failure.error.message);
      },
      onSuccess: (_hook, plugin) => this.health.tapSucceeded(plugin),
      reportHealth: (plugin, state, reason) => this.health.reported(plugin, state, reason),
      ...(this.options.tapTimeout !== undefined ? { tapTimeout: this.options.tapTimeout } : {}),
    });
  }
}
