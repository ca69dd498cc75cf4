import { rm } from 'node:fs/promises';
import type { ChangeSet, PluginContext, Snapshot } from '@mmsd/core';
import { Candidates } from './candidate.js';
import { ConfigFile } from './config-file.js';
import type { Candidate } from './candidate.js';
import { HaproxyProcess } from './haproxy-process.js';
import type { HaproxyMetrics } from './metrics.js';
import { haproxyMetrics } from './metrics.js';
import type { HaproxyOptions } from './options.js';
import type { Renderer } from './render.js';
import type { Applied } from './runtime.js';
import { appliedFromView, runtimeCommands, staticServersChanged } from './runtime.js';
import { ReloadTimers } from './reload-timers.js';
import { RuntimeSender } from './runtime-sender.js';
import { StateHandover } from './state-handover.js';
import { LoadedStructure } from './structure.js';
import type { StartReason } from './supervisor.js';
import { Supervisor } from './supervisor.js';
import type { HaproxyView } from './view.js';
import type { ServiceView } from './view.js';
import { ServiceViews } from './view-update.js';

/**
 * Keeps the local HAProxy in step with the snapshots. Backend changes (a task up, down,
 * draining, gone, new) go through the runtime API at once; structural changes (a service
 * added, removed or redefined) rewrite the config and reload, at most once per
 * `minReloadInterval`; after runtime changes the config file is rewritten (throttled, see ConfigFile) so that
 * the next reload agrees. Every config is checked with `haproxy -c` before it replaces the file.
 */
export class HaproxyController {
  private readonly process: HaproxyProcess;
  private snapshot: Snapshot | undefined;
  private applied: Applied = new Map();
  private readonly views: ServiceViews;
  /** The view each backend's `applied` was last brought to by updateAtRuntime (see runtimeCommands' `only`). */
  private readonly appliedViews = new Map<string, ServiceView>();
  private readonly structure = new LoadedStructure();
  private running = false;
  private started = false;
  private stopping = false;
  private queue: Promise<void> = Promise.resolve();
  private busy = 0;
  private readonly timers: ReloadTimers;
  private readonly candidates: Candidates;
  private readonly sender: RuntimeSender;
  private readonly file: ConfigFile;
  private readonly supervisor: Supervisor;
  private readonly handover: StateHandover;

  private readonly metrics: HaproxyMetrics;

  constructor(
    private readonly ctx: PluginContext<HaproxyOptions>,
    private readonly options: HaproxyOptions,
    render: Renderer,
  ) {
    this.process = new HaproxyProcess({ ...options, log: ctx.log });
    this.views = new ServiceViews(options);
    this.timers = new ReloadTimers({ minReloadInterval: options.minReloadInterval, run: (force) => void this.enqueue(() => this.reload(force)), stopping: () => this.stopping });
    this.metrics = haproxyMetrics(ctx.metrics);
    this.handover = new StateHandover(ctx, options);
    this.candidates = new Candidates(ctx, options, render, this.metrics.checks);
    this.file = new ConfigFile({
      ctx,
      options,
      snapshot: () => this.snapshot,
      candidate: (load) => this.candidate(load),
      atRuntime: (view) => this.structure.atRuntime(view),
      view: (service) => this.views.of(service).view,
      enqueue: (step) => this.enqueue(step),
      reloadScheduled: () => this.timers.scheduled,
      retry: () => void this.enqueue(() => this.reload(false)),
      stopping: () => this.stopping,
    });
    this.sender = new RuntimeSender({
      socket: options.socket,
      log: ctx.log,
      commands: this.metrics.runtimeCommands,
      // What the API refused is in the config but not in the worker: only a real reload brings it.
      fallBack: () => this.timers.schedule(true),
      enqueue: (step) => void this.enqueue(step),
      running: () => this.running,
    });
    this.supervisor = new Supervisor({
      log: ctx.log,
      running: () => this.running,
      alive: () => this.process.running(),
      markDead: () => (this.running = false),
      ready: () => this.snapshot !== undefined && this.options.manage,
      start: (reason) => this.enqueue(() => this.start(reason)),
      watch: (gone) => this.process.watch(gone),
    });
  }

  /** The config of a snapshot, as `render` prints it and `run` writes it. */
  renderSnapshot(snapshot: Snapshot): { view: HaproxyView; text: string } {
    return this.candidates.render(snapshot);
  }

  async onSnapshot(snapshot: Snapshot, changes: ChangeSet): Promise<void> {
    this.snapshot = snapshot;
    if (!this.started || changes.initial) {
      this.started = true;
      await this.enqueue(() => this.startOrAdopt());
      return;
    }
    const { structural, runtime } = this.structure.classify(changes.services, this.options, (change) => this.views.of(change.after!, change.before).view);
    for (const name of runtime) this.file.changedAtRuntime(name, snapshot.version);
    if (structural) this.timers.schedule();
    if (runtime.length > 0 && this.options.manage) {
      const update = this.enqueue(() => this.updateAtRuntime(runtime));
      // Wait for it (event → runtime state) unless a reload or start holds the queue.
      if (this.busy <= 1) await update;
      if (!structural) this.file.scheduleWrite();
    } else if (runtime.length > 0) this.file.scheduleWrite();
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.timers.stop();
    this.supervisor.stop();
    this.sender.stop();
    this.handover.release();
    const due = this.file.stopTimers();
    await this.queue;
    await this.file.finish(due);
  }

  // -------------------------------------------------------------------------------------

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.busy++;
    const run = this.queue.then(step).catch((error: unknown) => this.ctx.log.error('%s', (error as Error).message));
    this.queue = run.finally(() => this.busy--);
    return run;
  }

  /** The current snapshot's config, checked; undefined if it may not be used. */
  private candidate(load = true): Promise<Candidate | undefined> {
    return this.candidates.of(this.snapshot!, load);
  }

  /** HAProxy now runs `view`, loaded from `candidate` (undefined: mmsd only wrote the file). */
  private remember(view: HaproxyView, candidate?: Candidate): void {
    this.applied = appliedFromView(view);
    this.appliedViews.clear();
    if (candidate) this.structure.loaded(candidate);
    else this.structure.installed(view);
    this.sender.forget();
  }

  /** `manage: false`: the config file is all mmsd keeps (checked); HAProxy is someone else's. */
  private async writeOnly(): Promise<void> {
    const candidate = await this.candidate();
    if (candidate && (await this.file.install(candidate))) this.remember(candidate.view);
  }

  private async startOrAdopt(): Promise<void> {
    if (!this.options.manage) return this.writeOnly();
    const pid = await this.process.masterPid();
    if (pid && (await this.process.proc())) {
      this.ctx.log.info('taking over the running HAProxy (master %d)', pid);
      this.running = true;
      await this.reload(true);
    } else {
      await this.start();
    }
    this.supervisor.begin();
  }

  private async start(reason: StartReason = 'initial'): Promise<void> {
    const candidate = await this.candidate();
    if (!candidate || !(await this.file.install(candidate))) return;
    await this.handover.forStart(candidate.view);
    await rm(this.options.masterSocket, { force: true });
    this.sender.disconnect();
    try {
      await this.process.start((how) => this.supervisor.exited(how));
      this.metrics.starts.inc({ reason });
      this.supervisor.started();
      this.ctx.health.ok();
    } catch (error) {
      this.supervisor.failed((error as Error).message);
      this.ctx.log.error('HAProxy did not start: %s', (error as Error).message);
      this.ctx.health.failing(`HAProxy did not start: ${(error as Error).message}`);
      return;
    }
    this.running = true;
    this.timers.reloaded();
    this.remember(candidate.view, candidate);
    await this.verifyStates(candidate.view);
    await this.catchUp(candidate.snapshot);
  }

  /** A certificate of `tls.certs` changed on disk: the config is rendered again (and HAProxy reloaded, hitless). */
  certificatesChanged(): void {
    this.ctx.log.info('a TLS certificate changed on disk; HAProxy takes it with a reload');
    this.timers.schedule();
  }

  /**
   * Checks and writes the config; reloads if more than its servers changed (or `force`). When
   * only servers changed (a reload was scheduled, and what made it structural went away, or
   * it was a service's servers arriving while a reload ran), they are set at run time instead.
   */
  private async reload(force: boolean): Promise<void> {
    if (!this.options.manage) return this.writeOnly();
    if (!this.running) return this.start();
    const candidate = await this.candidate();
    if (!candidate) return;
    if (!force && this.timers.failed === 0 && !this.structure.needsReload(candidate)) {
      if (!(await this.file.install(candidate))) return;
      this.structure.installed(candidate.view);
      this.appliedViews.clear();
      const commands = candidate.view.services.flatMap((service) => runtimeCommands(service, this.applied, this.options.checks));
      if (commands.length > 0) await this.sender.send([...commands, ...this.sender.takePendingDeletes()]);
      return;
    }
    const started = performance.now();
    try {
      await this.handover.save(candidate.view, this.applied);
    } catch (error) {
      this.handover.release();
      this.retryReload(`cannot write the server states to ${this.options.stateFile} (${(error as Error).message}), so HAProxy was not reloaded`);
      return;
    }
    if (!(await this.file.install(candidate))) return this.handover.release();
    const saved = performance.now();
    this.sender.disconnect();
    try {
      const worker = await this.process.reload();
      if (this.timers.reloaded()) this.ctx.health.ok();
      this.metrics.reloads.inc({ outcome: 'ok' });
      this.metrics.reloadSeconds.observe((performance.now() - started) / 1000);
      this.remember(candidate.view, candidate);
      await this.verifyStates(candidate.view);
      this.ctx.log.info(
        'HAProxy reloaded: %d services, new worker %d (%d ms: states saved and config written in %d ms, new worker ready after %d ms)',
        candidate.view.services.length,
        worker,
        Math.round(performance.now() - started),
        Math.round(saved - started),
        Math.round(performance.now() - saved),
      );
      await this.catchUp(candidate.snapshot);
    } catch (error) {
      this.handover.release();
      this.metrics.reloads.inc({ outcome: 'failed' });
      this.retryReload((error as Error).message);
    }
  }

  /**
   * Snapshots that arrived while HAProxy (re)loaded a config rendered from an older one: their
   * runtime changes were held back for the reload; they are applied now. (Snapshots share
   * structure, so an unchanged service is the same object in both.)
   */
  private async catchUp(rendered: Snapshot): Promise<void> {
    const current = this.snapshot;
    if (!current || current === rendered) return;
    const changed: string[] = [];
    for (const [name, service] of current.services) if (rendered.services.get(name) !== service) changed.push(name);
    if (changed.length > 0) await this.updateAtRuntime(changed);
  }

  /** A failed reload (a port in use, …) may succeed later: it is tried again, less and less often. */
  private retryReload(message: string): void {
    const wait = this.timers.failedOnce();
    this.ctx.log.error('%s; trying again in %d s', message, wait / 1000);
    this.ctx.health.failing(message);
  }

  /** Sets every server whose state the new worker took from an older snapshot. */
  private async verifyStates(view: HaproxyView): Promise<void> {
    this.appliedViews.clear();
    const commands = await this.handover.corrections(view, this.applied);
    if (commands.length > 0) await this.sender.send(commands);
  }

  private async updateAtRuntime(names: readonly string[]): Promise<void> {
    if (!this.running || !this.snapshot) return;
    const commands: string[] = [];
    for (const name of names) {
      const service = this.snapshot.services.get(name);
      if (!service) continue;
      const { view, from, changed } = this.views.of(service);
      if (!this.structure.atRuntime(view)) continue; // a reload is coming for it
      if (staticServersChanged(view, this.applied)) {
        // The structural test sends such a change to a reload first; this guards what is sent.
        this.ctx.log.debug('service %s (balance %s): its servers change with a reload', view.service.name, view.balance);
        this.timers.schedule(true);
        continue;
      }
      const only = from !== undefined && this.appliedViews.get(view.name) === from ? changed : undefined;
      commands.push(...runtimeCommands(view, this.applied, this.options.checks, only));
      this.appliedViews.set(view.name, view);
    }
    commands.push(...this.sender.takePendingDeletes());
    if (commands.length > 0) await this.sender.send(commands);
  }
}
