import { AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import { MmsdError, describeError } from '../errors.js';
import type { MarathonEvent } from '../marathon/types.js';
import type { AppChange, ChangeSet, Snapshot, TaskChange } from '../model/types.js';
import type { Artifact, StartContext } from './hook-types.js';

/** The arguments of each hook, as tapable's type parameter. */
export interface HookArgs {
  onStart: [StartContext];
  onSnapshot: [Snapshot, ChangeSet];
  onAppChanged: [AppChange];
  onTaskChanged: [TaskChange];
  onMarathonEvent: [MarathonEvent];
  onRender: [Artifact[], Snapshot];
  onShutdown: [];
}

export type HookName = keyof HookArgs;

interface HookSpec {
  /** The arguments' names (tapable's) and how docs/writing-a-plugin.md shows them. */
  readonly args: readonly string[];
  readonly shown: string;
  /** `waterfall`: each tap returns the value the next one gets (a failed tap passes its input on). */
  readonly kind: 'series' | 'waterfall';
  /** Whether `mmsd render` (which must not act) calls it; `run` and `once` call every hook. */
  readonly render: boolean;
  readonly when: string;
}

/**
 * The lifecycle hooks, one table (docs/writing-a-plugin.md#hooks, which a test keeps equal to
 * it): the hooks object, the names, each hook's isolation and the docs table come from it.
 * webpack style: a frozen object of typed tapable hooks; plugins tap them in `apply`, the tap
 * name is the plugin's name, taps run in config order.
 */
export const HOOK_TABLE = {
  onStart: { args: ['ctx'], shown: '`ctx: { mode, config }`', kind: 'series', render: false, when: 'after config and plugins load, before the first sync' },
  onSnapshot: { args: ['snapshot', 'changes'], shown: '`snapshot: Snapshot, changes: ChangeSet`', kind: 'series', render: false, when: 'after the first sync, every resync, and every coalesced batch of events' },
  onAppChanged: { args: ['change'], shown: '`change: AppChange`', kind: 'series', render: false, when: 'an app was added, updated (labels, ports, checks, instances, version) or removed' },
  onTaskChanged: { args: ['change'], shown: '`change: TaskChange`', kind: 'series', render: false, when: 'a task was added or removed, or changed state, health, host or ports' },
  onMarathonEvent: { args: ['event'], shown: '`event: MarathonEvent`', kind: 'series', render: false, when: 'every raw Marathon event, parsed (it does not hold up the others)' },
  onRender: { args: ['artifacts', 'snapshot'], shown: '`artifacts: Artifact[], snapshot: Snapshot` → `Artifact[]`', kind: 'waterfall', render: true, when: 'waterfall: add the files you would write' },
  onShutdown: { args: [], shown: '—', kind: 'series', render: false, when: 'on SIGTERM/SIGINT, and before a config reload replaces the plugins' },
} as const satisfies Record<HookName, HookSpec>;

/** The hooks object mmsd calls. */
export type MmsdHooks = {
  readonly [K in HookName]: (typeof HOOK_TABLE)[K]['kind'] extends 'waterfall' ? AsyncSeriesWaterfallHook<HookArgs[K]> : AsyncSeriesHook<HookArgs[K]>;
};

/** A tap method as a plugin calls it: the host names the tap after the plugin, so the name may be left out. */
export interface PluginTap<M extends (options: never, fn: never) => void> {
  (fn: Parameters<M>[1]): void;
  (options: Parameters<M>[0], fn: Parameters<M>[1]): void;
}

/** The hooks as a plugin gets them: it may tap them (and ask whether anyone did), not call them. */
export type PluginHooks = {
  readonly [K in HookName]: {
    tap: PluginTap<MmsdHooks[K]['tap']>;
    tapAsync: PluginTap<MmsdHooks[K]['tapAsync']>;
    tapPromise: PluginTap<MmsdHooks[K]['tapPromise']>;
    isUsed(): boolean;
  };
};

const HOOK_NAMES = Object.keys(HOOK_TABLE) as readonly HookName[];

export interface HookFailure {
  readonly hook: HookName;
  readonly plugin: string;
  readonly error: MmsdError;
}

export interface CreateHooksOptions {
  /** Every failed or timed-out tap, after it was isolated. */
  onFailure?: (failure: HookFailure) => void;
  /** Every tap that finished without an error (the agent's health counts failures in a row). */
  onSuccess?: (hook: HookName, plugin: string) => void;
  /** Milliseconds one tap may take before the hook goes on without it (default 60 s). */
  tapTimeout?: number;
}

type AnyFn = (...args: unknown[]) => unknown;

function failure(hook: HookName, plugin: string, cause: unknown, timedOut = false): MmsdError {
  return new MmsdError(
    timedOut ? 'EMMSD_HOOK_TIMEOUT' : 'EMMSD_HOOK_FAILED',
    timedOut
      ? `plugin "${plugin}" did not finish ${hook} in time; the other plugins went on`
      : `plugin "${plugin}" failed in ${hook}: ${describeError(cause)}`,
    {
      cause,
      details: { hook, plugin },
      hint: `this is a bug or a misconfiguration of plugin "${plugin}"; the other plugins were not affected`,
    },
  );
}

/**
 * Wraps every tap so that a throw, a rejection or a hang is caught, reported and skipped:
 * one plugin's failure never stops the others (a waterfall passes its input on unchanged).
 */
function isolate(hookName: HookName, waterfall: boolean, options: CreateHooksOptions) {
  const timeout = options.tapTimeout ?? 60_000;
  const report = (plugin: string, cause: unknown, timedOut = false): void => {
    options.onFailure?.({ hook: hookName, plugin, error: failure(hookName, plugin, cause, timedOut) });
  };
  const fallback = (args: unknown[]): unknown => (waterfall ? args[0] : undefined);
  const succeeded = (plugin: string): void => options.onSuccess?.(hookName, plugin);
  return {
    register(tap: { name: string; type: string; fn: AnyFn }) {
      const fn = tap.fn;
      const plugin = tap.name;
      if (tap.type === 'sync') {
        tap.fn = (...args: unknown[]) => {
          try {
            const value = fn(...args);
            succeeded(plugin);
            return value;
          } catch (error) {
            report(plugin, error);
            return fallback(args);
          }
        };
      } else if (tap.type === 'promise') {
        tap.fn = (...args: unknown[]) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => {
              report(plugin, new Error(`no result after ${timeout} ms`), true);
              resolve(fallback(args));
            }, timeout);
            Promise.resolve()
              .then(() => fn(...args))
              .then(
                (value) => {
                  clearTimeout(timer);
                  succeeded(plugin);
                  resolve(value);
                },
                (error: unknown) => {
                  clearTimeout(timer);
                  report(plugin, error);
                  resolve(fallback(args));
                },
              );
          });
      } else {
        tap.fn = (...argsAndCallback: unknown[]) => {
          const callback = argsAndCallback.pop() as (error: unknown, value?: unknown) => void;
          const args = argsAndCallback;
          let done = false;
          const finish = (error: unknown, value?: unknown): void => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            if (error) {
              report(plugin, error);
              callback(null, fallback(args));
            } else {
              succeeded(plugin);
              callback(null, value);
            }
          };
          const timer = setTimeout(() => {
            if (done) return;
            done = true;
            report(plugin, new Error(`no callback after ${timeout} ms`), true);
            callback(null, fallback(args));
          }, timeout);
          try {
            fn(...args, finish);
          } catch (error) {
            finish(error);
          }
        };
      }
      return tap;
    },
  };
}

export function createHooks(options: CreateHooksOptions = {}): MmsdHooks {
  const hooks: Record<string, unknown> = {};
  for (const name of HOOK_NAMES) {
    const spec: HookSpec = HOOK_TABLE[name];
    const hook = spec.kind === 'waterfall' ? new AsyncSeriesWaterfallHook<[unknown]>([...spec.args] as [string], name) : new AsyncSeriesHook<unknown[]>([...spec.args] as never, name);
    (hook as unknown as { intercept(i: unknown): void }).intercept(isolate(name, spec.kind === 'waterfall', options));
    // tapable counts interceptors as use: every hook has ours, so "used" would always be true.
    hook.isUsed = () => hook.taps.length > 0;
    hooks[name] = hook;
  }
  return Object.freeze(hooks) as unknown as MmsdHooks;
}

const TAP_METHODS = new Set(['tap', 'tapAsync', 'tapPromise']);
const HOST_ONLY = new Set(['call', 'callAsync', 'promise', 'intercept']);

/**
 * The hooks as one plugin sees them: its taps are always named after it (so failures and
 * ordering are attributed correctly; a plugin may leave the name out), and it cannot call or
 * intercept the host's hooks.
 */
export function scopeHooks(hooks: MmsdHooks, plugin: string): PluginHooks {
  const scoped: Record<string, unknown> = {};
  for (const name of HOOK_NAMES) {
    const hook = hooks[name];
    scoped[name] = new Proxy(hook, {
      get(target, property, receiver) {
        if (typeof property === 'string' && TAP_METHODS.has(property)) {
          const method = Reflect.get(target, property, receiver) as AnyFn;
          return (options: unknown, fn?: AnyFn) => {
            if (typeof options === 'function') return method.call(target, { name: plugin }, options);
            const tapOptions = typeof options === 'object' && options !== null ? options : {};
            return method.call(target, { ...tapOptions, name: plugin }, fn);
          };
        }
        if (typeof property === 'string' && HOST_ONLY.has(property)) {
          return () => {
            throw new Error(`plugin "${plugin}" may only tap ${name}; calling or intercepting it is up to mmsd`);
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
  }
  return Object.freeze(scoped) as unknown as PluginHooks;
}
