import type { Counter, PluginContext, Snapshot } from '@mmsd/core';
import { ConfigChecker } from './config-check.js';
import { openFilesLimit } from './fd-budget.js';
import type { HaproxyOptions } from './options.js';
import type { Renderer } from './render.js';
import { structureOf } from './structure.js';
import type { HaproxyView } from './view.js';
import { buildView } from './view.js';

/** A config rendered from a snapshot and accepted by the checker (see ConfigChecker). */
export interface Candidate {
  view: HaproxyView;
  text: string;
  snapshot: Snapshot;
  /** Its structure (see structure.ts). */
  structure: string;
}

/**
 * Candidate configs: a snapshot rendered (the view, then the template) and checked (see
 * ConfigChecker: `haproxy -c`, reported once while it fails); `render` prints exactly this text.
 */
export class Candidates {
  private readonly checker: ConfigChecker;
  /** The hard open-files limit HAProxy will inherit: maxconn is fitted to it. */
  private readonly openFiles = openFilesLimit();

  constructor(
    private readonly ctx: PluginContext<HaproxyOptions>,
    private readonly options: HaproxyOptions,
    private readonly renderer: Renderer,
    checks: Counter,
  ) {
    this.checker = new ConfigChecker(ctx, options, checks);
  }

  /** The config of a snapshot, as `render` prints it and `run` writes it. */
  render(snapshot: Snapshot): { view: HaproxyView; text: string } {
    const view = buildView(snapshot, this.options, { ...(this.openFiles !== undefined ? { openFiles: this.openFiles } : {}) });
    return { view, text: this.renderer(view) };
  }

  /** The snapshot's config if it may be used (`load`: HAProxy will load it), else undefined. */
  async of(snapshot: Snapshot, load: boolean): Promise<Candidate | undefined> {
    const started = performance.now();
    const { view, text } = this.render(snapshot);
    const rendered = performance.now();
    if (!(await this.checker.accepts(view, text, load))) return undefined;
    const size = [view.services.length, Math.round(rendered - started), Math.round(text.length / 1024)];
    if (this.checker.skipped) this.ctx.log.debug('config of %d services rendered (%d ms, %d kB); no haproxy -c: %s', ...size, this.checker.skipped);
    else this.ctx.log.info('config of %d services rendered (%d ms, %d kB) and checked by haproxy -c (%d ms)', ...size, Math.round(performance.now() - rendered));
    return { view, text, snapshot, structure: structureOf(text) };
  }
}
