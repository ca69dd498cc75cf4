import { AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import { MmsdError, describeError } from '../errors.js';
import type { MarathonEvent } from '../marathon/types.js';
import type { AppChange, ChangeSet, Snapshot, TaskChange } from '../model/types.js';
import type { Artifact, StartContext } from './hook-types.js';

/**
 * The lifecycle hooks (docs/writing-a-plugin.md#hooks), webpack style: a frozen object of typed tapable hooks.
 * Plugins tap them in `apply`; the tap name is the plugin's name; taps run in config order.
 */
export interface MmsdHooks {
  /** After config and plugins load, before the first sync. */
  readonly onStart: AsyncSeriesHook<[StartContext]>;
  /** After the first sync, every resync, and every coalesced batch of events. */
  readonly onSnapshot: AsyncSeriesHook<[Snapshot, ChangeSet]>;
  /** An app was added, updated or removed (not fired for the first snapshot). */
  readonly onAppChanged: AsyncSeriesHook<[AppChange]>;
  /** A task was added, removed, or changed health/state (not fired for the first snapshot). */
  readonly onTaskChanged: AsyncSeriesHook<[TaskChange]>;
  /** Every raw Marathon event, parsed. */
  readonly onMarathonEvent: AsyncSeriesHook<[MarathonEvent]>;
  /** Waterfall: each handler returns the artifacts with the files it would write added. */
  readonly onRender: AsyncSeriesWaterfallHook<[Artifact[], Snapshot]>;
  /** On SIGTERM/SIGINT (and before a config reload replaces the plugins), before exit. */
  readonly onShutdown: AsyncSeriesHook<[]>;
}

export type HookName = keyof MmsdHooks;
export const HOOK_NAMES: readonly HookName[] = [
  'onStart',
  'onSnapshot',
  'onAppChanged',
  'onTaskChanged',
  'onMarathonEvent',
  'onRender',
  'onShutdown',
];

export interface HookFailure {
  readonly hook: HookName;
  readonly plugin: string;
  readonly error: MmsdError;
}

export interface CreateHooksOptions {
  /** Every failed or timed-out tap, after it was isolated. */
  onFailure?: (failure: HookFailure) => void;
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
  return {
    register(tap: { name: string; type: string; fn: AnyFn }) {
      const fn = tap.fn;
      const plugin = tap.name;
      if (tap.type === 'sync') {
        tap.fn = (...args: unknown[]) => {
          try {
            return fn(...args);
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
            } else callback(null, value);
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
  const hooks = {
    onStart: new AsyncSeriesHook<[StartContext]>(['ctx'], 'onStart'),
    onSnapshot: new AsyncSeriesHook<[Snapshot, ChangeSet]>(['snapshot', 'changes'], 'onSnapshot'),
    onAppChanged: new AsyncSeriesHook<[AppChange]>(['change'], 'onAppChanged'),
    onTaskChanged: new AsyncSeriesHook<[TaskChange]>(['change'], 'onTaskChanged'),
    onMarathonEvent: new AsyncSeriesHook<[MarathonEvent]>(['event'], 'onMarathonEvent'),
    onRender: new AsyncSeriesWaterfallHook<[Artifact[], Snapshot]>(['artifacts', 'snapshot'], 'onRender'),
    onShutdown: new AsyncSeriesHook<[]>([], 'onShutdown'),
  };
  for (const name of HOOK_NAMES) {
    (hooks[name] as unknown as { intercept(i: unknown): void }).intercept(isolate(name, name === 'onRender', options));
  }
  return Object.freeze(hooks);
}

const TAP_METHODS = new Set(['tap', 'tapAsync', 'tapPromise']);
const HOST_ONLY = new Set(['call', 'callAsync', 'promise', 'intercept']);

/**
 * The hooks as one plugin sees them: its taps are always named after it (so failures and
 * ordering are attributed correctly), and it cannot call or intercept the host's hooks.
 */
export function scopeHooks(hooks: MmsdHooks, plugin: string): MmsdHooks {
  const scoped: Record<string, unknown> = {};
  for (const name of HOOK_NAMES) {
    const hook = hooks[name];
    scoped[name] = new Proxy(hook, {
      get(target, property, receiver) {
        if (typeof property === 'string' && TAP_METHODS.has(property)) {
          const method = Reflect.get(target, property, receiver) as AnyFn;
          return (options: unknown, fn: AnyFn) => {
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
  return Object.freeze(scoped) as unknown as MmsdHooks;
}
