import { resolve } from 'node:path';
import { format } from 'node:util';
import type { MmsdConfig } from './config/types.js';
import { DEFAULTS } from './config/schema.js';
import type { Logger } from './log.js';
import type { MarathonReader } from './marathon/client.js';
import type { Snapshot } from './model/types.js';
import type { MetricsHelpers, PluginContext } from './plugins/api.js';
import { toMarathonApp } from './model/to-marathon.js';
import { exec } from './util/exec.js';
import { fileHelpers } from './util/files.js';
import { createAjv, describeSchemaErrors } from './util/schema.js';

/** A plugin context for a test, and what the plugin logged (`info …`, `warn …`; debug too; `health ok`, `health failing …`). */
export type TestPluginContext<Options> = PluginContext<Options> & { readonly logged: string[] };

const NOTHING = Object.freeze({ inc() {}, set() {}, observe() {} });
const NO_METRICS: MetricsHelpers = { counter: () => NOTHING, gauge: () => NOTHING, histogram: () => NOTHING };
const NO_MARATHON: MarathonReader = {
  endpoint: '',
  getApps: () => Promise.reject(new Error('no Marathon in this test (give pluginContext a marathon)')),
  getApp: () => Promise.reject(new Error('no Marathon in this test (give pluginContext a marathon)')),
};

/** The config of an agent without a config file, with no Marathon and no plugins. */
export function testConfig(): MmsdConfig {
  return {
    marathon: { endpoints: [], resyncInterval: DEFAULTS.resyncInterval, timeout: DEFAULTS.timeout, streamTimeout: DEFAULTS.streamTimeout, mode: DEFAULTS.mode, pollInterval: DEFAULTS.pollInterval },
    groups: [...DEFAULTS.groups],
    coalesce: DEFAULTS.coalesce,
    labels: DEFAULTS.labels,
    strictMode: DEFAULTS.strictMode,
    stateFile: false,
    logLevel: DEFAULTS.logLevel,
    logFormat: DEFAULTS.logFormat,
    dns: { ttl: DEFAULTS.dnsTtl, hosts: {} },
    dropGuard: { ...DEFAULTS.dropGuard },
    metrics: { bind: DEFAULTS.metricsBind },
    health: { ...DEFAULTS.health },
    plugins: [],
  };
}

function capturingLogger(lines: string[], component: string): Logger {
  const at =
    (level: string) =>
    (message: string, ...args: unknown[]): void =>
      void lines.push(`${level} ${format(message, ...args)}`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: (name) => capturingLogger(lines, `${component}:${name}`), component };
}

/**
 * The context mmsd gives a plugin's `apply`, for its tests: its `options` as given (validate
 * them against your schema yourself if the test needs defaults), mode `run`, the real file
 * helpers and exec, no metrics, no Marathon, an empty snapshot; anything in `overrides`
 * replaces its part. What the plugin logs is in `logged`.
 */
export function pluginContext<Options>(options: Options, overrides: Partial<PluginContext<Options>> = {}): TestPluginContext<Options> {
  const logged: string[] = [];
  const name = overrides.name ?? 'test';
  const configDir = overrides.configDir ?? process.cwd();
  const empty: Snapshot = { apps: new Map(), services: new Map(), excluded: new Map(), version: 0 };
  return {
    name,
    options: Object.freeze({ ...options }),
    log: capturingLogger(logged, `plugin:${name}`),
    config: testConfig(),
    configDir,
    resolvePath: (path: string) => resolve(configDir, path),
    mode: 'run',
    marathon: NO_MARATHON,
    files: fileHelpers,
    exec,
    metrics: NO_METRICS,
    health: { ok: () => void logged.push('health ok'), failing: (reason: string) => void logged.push(`health failing ${reason}`) },
    getSnapshot: () => empty,
    toMarathonApp,
    ...overrides,
    logged,
  };
}

/**
 * A plugin's options as mmsd hands them to `apply`: `options` validated against its
 * `optionsSchema` with the schema's defaults filled in; throws with the schema's complaints.
 */
export function pluginOptions<Options>(plugin: { name: string; optionsSchema?: object }, options: Record<string, unknown> = {}): Options {
  const copy = structuredClone(options);
  if (!plugin.optionsSchema) return copy as Options;
  const validate = createAjv().compile(plugin.optionsSchema);
  if (!validate(copy)) throw new Error(`options of ${plugin.name}: ${describeSchemaErrors(validate.errors, plugin.optionsSchema, 'options').join('; ')}`);
  return copy as Options;
}
