import { resolve as resolvePath } from 'node:path';
import type { MmsdConfig } from '../config/types.js';
import { MmsdError, describeError, isMmsdError } from '../errors.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import type { MarathonReader } from '../marathon/client.js';
import type { Snapshot } from '../model/types.js';
import { toMarathonApp } from '../model/to-marathon.js';
import { exec } from '../util/exec.js';
import { fileHelpers } from '../util/files.js';
import type { HookFailure, HookName, MmsdHooks } from './hooks.js';
import { createHooks, scopeHooks } from './hooks.js';
import type { LoadedPlugin } from './load-plugins.js';
import type { MetricsHelpers, PluginContext, RunMode } from './api.js';

export interface PluginRuntime {
  readonly config: MmsdConfig;
  readonly configDir: string;
  readonly mode: RunMode;
  readonly marathon: MarathonReader;
  readonly metrics: MetricsHelpers;
  getSnapshot(): Snapshot;
  onFailure?: (failure: HookFailure) => void;
  onSuccess?: (hook: HookName, plugin: string) => void;
  /** Where `ctx.health` reports go (the agent's health). */
  reportHealth?: (plugin: string, state: 'ok' | 'failing', reason?: string) => void;
  tapTimeout?: number;
}

const unavailableMarathon: MarathonReader = {
  endpoint: '',
  getApps: () => Promise.reject(new Error('no Marathon in this mode')),
  getApp: () => Promise.reject(new Error('no Marathon in this mode')),
};

/** A set of loaded plugins, applied (in config order) to a fresh hooks object of their own. */
export class PluginSet {
  readonly hooks: MmsdHooks;
  readonly names: readonly string[];

  private constructor(hooks: MmsdHooks, names: string[]) {
    this.hooks = hooks;
    this.names = Object.freeze(names);
  }

  static async create(loaded: readonly LoadedPlugin[], runtime: PluginRuntime): Promise<PluginSet> {
    const log = createLogger('plugins');
    const hooks = createHooks({
      ...(runtime.tapTimeout !== undefined ? { tapTimeout: runtime.tapTimeout } : {}),
      onFailure: (failure) => {
        log.error('%s', failure.error.message);
        const cause = failure.error.cause;
        if (cause instanceof Error && cause.stack) log.debug('%s', cause.stack);
        runtime.onFailure?.(failure);
      },
      ...(runtime.onSuccess ? { onSuccess: runtime.onSuccess } : {}),
    });
    for (const { plugin, options } of loaded) {
      const pluginLog: Logger = createLogger(`plugin:${plugin.name}`);
      const ctx: PluginContext = Object.freeze({
        name: plugin.name,
        options: Object.freeze(options),
        log: pluginLog,
        config: runtime.config,
        configDir: runtime.configDir,
        resolvePath: (path: string) => resolvePath(runtime.configDir, path),
        mode: runtime.mode,
        marathon: runtime.marathon ?? unavailableMarathon,
        files: fileHelpers,
        exec,
        metrics: runtime.metrics,
        health: Object.freeze({
          ok: () => runtime.reportHealth?.(plugin.name, 'ok'),
          failing: (reason: string) => runtime.reportHealth?.(plugin.name, 'failing', reason),
        }),
        getSnapshot: runtime.getSnapshot,
        toMarathonApp,
      });
      try {
        await plugin.apply(scopeHooks(hooks, plugin.name), ctx);
      } catch (error) {
        // A coded error (a runtime directory that cannot be created, …) carries its own hint.
        if (isMmsdError(error)) throw error;
        throw new MmsdError('EMMSD_PLUGIN_APPLY_FAILED', `plugin "${plugin.name}" failed to set up: ${describeError(error)}`, {
          cause: error,
          hint: `check the options of "${plugin.name}" and what it logged`,
          details: { plugin: plugin.name },
        });
      }
    }
    return new PluginSet(hooks, loaded.map((p) => p.plugin.name));
  }
}
