import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ChangeSet, PluginContext, Snapshot } from '@mmsd/core';
import type { NginxOptions } from './options.js';
import { NginxProcess } from './nginx-process.js';
import type { Renderer } from './render.js';
import { UpstreamMembers } from './upstream-members.js';
import { buildView, membersOf, serviceKey, serviceView } from './view.js';
import type { NginxView } from './view.js';

const WATCH_MS = 5000;

/**
 * Keeps the local nginx in step with the snapshots, on the reload path: a snapshot whose config
 * differs is checked (`nginx -t`), installed atomically, and nginx reloaded (SIGHUP to the
 * master), at most once per `minReloadInterval` (changes meanwhile go into the next); nginx is
 * started when it does not run (`manage`). A config nginx refuses never replaces the file.
 */
export class NginxController {
  private readonly process: NginxProcess;
  private snapshot: Snapshot | undefined;
  private installed: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastReloadAt = 0;
  private stopping = false;
  private candidates = 0;
  private refused: string | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private warned = new Set<string>();
  /** What only a reload changes, per service, of the installed config. */
  private keys = new Map<string, string>();
  private readonly members: UpstreamMembers | undefined;

  constructor(
    private readonly ctx: PluginContext<NginxOptions>,
    private readonly options: NginxOptions,
    private readonly renderer: Renderer,
    private readonly stream: boolean,
    /** The Lua path: HTTP upstream members change without a reload. */
    private readonly lua: boolean,
  ) {
    this.process = new NginxProcess(ctx, options);
    if (lua) this.members = new UpstreamMembers(`http://127.0.0.1:${options.controlPort}/mmsd/upstreams`, ctx.log);
  }

  render(snapshot: Snapshot): { view: NginxView; text: string } {
    const view = buildView(snapshot, this.options, this.stream, this.lua);
    return { view, text: this.renderer(view) };
  }

  async onSnapshot(snapshot: Snapshot, changes: ChangeSet): Promise<void> {
    this.snapshot = snapshot;
    if (this.installed === undefined) return this.enqueue();
    if (this.members && !changes.services.some((change) => this.structural(change.name, change.after))) {
      // Only members of HTTP upstreams changed: the shared dict, at once, no render, no reload.
      const wanted = new Map<string, string>();
      for (const change of changes.services) wanted.set(change.name, membersOf(serviceView(change.after!, this.options)));
      const run = this.queue.then(() => this.members!.set(wanted, () => this.stopping));
      this.queue = run.catch((error: unknown) => this.ctx.log.error('%s', (error as Error).message));
      return run;
    }
    if (this.timer || this.stopping) return;
    const wait = Math.max(0, this.lastReloadAt + this.options.minReloadInterval * 1000 - Date.now());
    if (wait === 0) return this.enqueue();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue();
    }, wait);
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of [this.timer, this.watchTimer]) if (timer) clearTimeout(timer);
    await this.queue;
  }

  /**
   * nginx outlives mmsd, and mmsd starts it again when it dies: its pid file is checked every
   * WATCH_MS (a read and a signal 0: nothing measurable when idle); a start that fails is tried
   * again, less and less often.
   */
  private watch(delay = WATCH_MS): void {
    if (this.stopping || !this.options.manage) return;
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      void this.queue.then(async () => {
        if (this.stopping || (await this.process.masterPid())) return this.watch();
        this.ctx.log.warn('nginx is not running (its pid file %s names no live process); starting it again', this.options.pidFile);
        try {
          await this.process.start();
          this.members?.forget();
          this.restarts = 0;
          this.ctx.log.info('nginx started again');
          this.ctx.health.ok();
          // A new nginx has an empty dict: it gets every upstream's members.
          if (this.snapshot) await this.setMembers(this.render(this.snapshot).view);
          this.watch();
        } catch (error) {
          this.restarts++;
          const wait = Math.min(1000 * 2 ** this.restarts, 60_000);
          this.ctx.log.error('%s; trying again in %d s', (error as Error).message, wait / 1000);
          this.ctx.health.failing((error as Error).message);
          this.watch(wait);
        }
      });
    }, delay);
    this.watchTimer.unref();
  }

  /** A change of this service that only a reload applies (new, gone, or its key changed). */
  private structural(name: string, after: Parameters<typeof serviceView>[0] | undefined): boolean {
    if (!after) return true;
    try {
      return this.keys.get(name) !== serviceKey(serviceView(after, this.options), this.lua);
    } catch {
      return true; // left out at the next render, with its reason
    }
  }

  private enqueue(): Promise<void> {
    const run = this.queue.then(() => this.apply()).catch((error: unknown) => this.ctx.log.error('%s', (error as Error).message));
    this.queue = run;
    return run;
  }

  private async apply(): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    const t0 = performance.now();
    const { view, text } = this.render(snapshot);
    const timing = { render: performance.now() - t0, check: 0 };
    // Each warning once while it stands (a reload per change would repeat them all).
    for (const warning of view.warnings) if (!this.warned.has(warning)) this.ctx.log.warn('%s', warning);
    this.warned = new Set(view.warnings);
    const pid = this.options.manage ? await this.process.masterPid() : undefined;
    if (text === this.installed && (pid || !this.options.manage)) return this.setMembers(view);
    if (text !== this.installed) {
      const candidate = join(dirname(this.options.configFile), `.${basename(this.options.configFile)}.candidate-${process.pid}-${++this.candidates}`);
      await writeFile(candidate, text, { mode: 0o644 });
      let reason: string | undefined;
      const t1 = performance.now();
      try {
        reason = await this.process.check(candidate);
        timing.check = performance.now() - t1;
      } finally {
        await rm(candidate, { force: true });
      }
      if (reason) {
        if (reason !== this.refused) this.ctx.log.error('nginx refused the new config (nginx -t): %s; nginx keeps what it runs', reason);
        this.ctx.health.failing(`nginx refused the new config (nginx -t): ${reason}`);
        this.refused = reason;
        return;
      }
      if (this.refused) {
        this.ctx.log.info('nginx accepts the config again');
        this.ctx.health.ok();
      }
      this.refused = undefined;
      await this.ctx.files.write(this.options.configFile, text, { mode: 0o644 });
      this.installed = text;
      this.keys = new Map([...view.http, ...view.tcp].map((s) => [s.name, serviceKey(s, this.lua)]));
    }
    if (!this.options.manage) return;
    if (pid) {
      await this.process.reload(pid);
      this.ctx.log.info('nginx reloaded: %d HTTP and %d TCP services (render %d ms, nginx -t %d ms)', view.http.length, view.tcp.length, Math.round(timing.render), Math.round(timing.check));
    } else {
      await this.process.start();
      this.members?.forget();
      this.ctx.log.info('nginx started: %d HTTP and %d TCP services (render %d ms, nginx -t %d ms)', view.http.length, view.tcp.length, Math.round(timing.render), Math.round(timing.check));
    }
    this.lastReloadAt = Date.now();
    this.watch();
    await this.setMembers(view);
  }

  /** The Lua path: every HTTP upstream's members, where nginx's dict differs. */
  private async setMembers(view: NginxView): Promise<void> {
    if (!this.members || !this.options.manage) return;
    await this.members.set(new Map(view.http.map((s) => [s.name, membersOf(s)])), () => this.stopping);
  }
}
