import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import type { CosmiconfigResult } from 'cosmiconfig';
import { MmsdError, describeError } from '../errors.js';
import type { LogFormat, LogLevel } from '../log.js';
import { parseEndpoint } from '../marathon/auth.js';
import { candidateNames } from '../plugins/load-plugins.js';
import { createAjv, describeSchemaErrors } from '../util/schema.js';
import { DEFAULTS, configSchema } from './schema.js';
import type { LoadedConfig, MmsdConfig, PluginEntry } from './types.js';

export const MODULE_NAME = 'mmsd';

/** Values from flags and environment variables (they win over the file). */
export interface ConfigOverrides {
  endpoints?: readonly string[];
  groups?: readonly string[];
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  strictMode?: boolean;
  stateFile?: string | false;
  coalesce?: number;
  /**
   * Plugins that flags enable, each with the options the flags give: added to the config's
   * plugins, or merged into the config's entry for the same plugin. (Which flag means which
   * plugin is the CLI's business.)
   */
  plugins?: readonly (readonly [string, Record<string, unknown>])[];
}

export interface LoadConfigOptions {
  /** `--config FILE`. */
  configFile?: string;
  /** Where the project search starts (default: the working directory). */
  cwd?: string;
  /** The system config directory (default: `$MMSD_CONFIG_DIR` or /etc/mmsd). */
  systemDir?: string;
  overrides?: ConfigOverrides;
  /** Default for `stateFile` (the CLI passes its data directory). */
  defaultStateFile?: string | false;
  /** The plugins when no config file is found (the CLI: the logger). */
  defaultPlugins?: readonly PluginEntry[];
}

const PROJECT_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.cjs`,
  `.${MODULE_NAME}rc.mjs`,
  `.config/${MODULE_NAME}rc`,
  `.config/${MODULE_NAME}rc.json`,
  `.config/${MODULE_NAME}rc.yaml`,
  `.config/${MODULE_NAME}rc.yml`,
  `${MODULE_NAME}.config.json`,
  `${MODULE_NAME}.config.yaml`,
  `${MODULE_NAME}.config.yml`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.mjs`,
];
const SYSTEM_PLACES = ['config.yaml', 'config.yml', 'config.json', 'config.js', 'config.cjs', 'config.mjs'];

export function defaultSystemDir(): string {
  return process.env.MMSD_CONFIG_DIR || '/etc/mmsd';
}

async function findConfig(options: LoadConfigOptions): Promise<CosmiconfigResult> {
  const cwd = options.cwd ?? process.cwd();
  const wrap = (filepath: string, error: unknown): MmsdError =>
    new MmsdError('EMMSD_CONFIG_PARSE', `config ${filepath} cannot be read: ${describeError(error)}`, {
      cause: error,
      hint: 'fix the syntax of the file (YAML, JSON or a JavaScript module exporting the config)',
    });
  if (options.configFile) {
    const filepath = resolve(cwd, options.configFile);
    if (!existsSync(filepath) || !statSync(filepath).isFile()) {
      throw new MmsdError('EMMSD_CONFIG_NOT_FOUND', `config file ${filepath} does not exist`, {
        hint: 'check the --config path',
      });
    }
    try {
      return (await cosmiconfig(MODULE_NAME, { searchStrategy: 'none', cache: false }).load(filepath)) ?? { config: {}, filepath, isEmpty: true };
    } catch (error) {
      throw wrap(filepath, error);
    }
  }
  const project = cosmiconfig(MODULE_NAME, { searchStrategy: 'global', searchPlaces: PROJECT_PLACES, cache: false });
  let found: CosmiconfigResult;
  try {
    found = await project.search(cwd);
  } catch (error) {
    throw wrap((error as { filepath?: string }).filepath ?? cwd, error);
  }
  if (found) return found;
  const systemDir = options.systemDir ?? defaultSystemDir();
  if (!existsSync(systemDir)) return null;
  const system = cosmiconfig(MODULE_NAME, { searchStrategy: 'none', searchPlaces: SYSTEM_PLACES, cache: false });
  try {
    return await system.search(systemDir);
  } catch (error) {
    throw wrap(systemDir, error);
  }
}

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',') : (value as string[]);
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

function isPlugin(entry: PluginEntry, canonical: string): boolean {
  const name = typeof entry === 'string' ? entry : entry[0];
  const short = canonical.replace('@mmsd/plugin-', '');
  return name === canonical || candidateNames(short).includes(name) || name === short;
}

/** Adds a plugin named by flags, or merges the flag values into the file's entry for it. */
function withPlugin(plugins: PluginEntry[], canonical: string, options: Record<string, unknown>): PluginEntry[] {
  const index = plugins.findIndex((p) => isPlugin(p, canonical));
  if (index < 0) return [...plugins, [canonical, options]];
  const entry = plugins[index]!;
  const merged: PluginEntry = typeof entry === 'string' ? [entry, options] : [entry[0], { ...entry[1], ...options }];
  return plugins.map((p, i) => (i === index ? merged : p));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Finds, reads and validates the config (docs/configuration.md): `--config FILE`; else `.mmsdrc*`,
 * `mmsd.config.*`, `package.json#mmsd` from the working directory up, then `~/.config/mmsd/`;
 * else `/etc/mmsd/config.*`. Flags and environment (in `overrides`) win over the file, the
 * file over defaults. Errors name the key and the file.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const found = await findConfig(options);
  const filepath = found?.filepath;
  const source = filepath ? `config ${filepath}` : 'configuration';
  let raw: unknown = found && !found.isEmpty ? found.config : {};
  // An ES module config (`export default {…}`) may arrive as its module namespace.
  if (raw && typeof raw === 'object' && 'default' in raw && Object.keys(raw).every((k) => k === 'default' || k === '__esModule')) {
    raw = (raw as { default: unknown }).default;
  }

  const ajv = createAjv();
  const validate = ajv.compile(configSchema);
  const file = structuredClone(raw ?? {}) as Record<string, unknown>;
  if (!validate(file)) {
    const lines = describeSchemaErrors(validate.errors, configSchema);
    throw new MmsdError('EMMSD_CONFIG_INVALID', `${source} is invalid: ${lines.join('; ')}`, {
      hint: 'see docs/configuration.md for every key and its type',
      details: { file: filepath, errors: lines },
    });
  }
  const o = options.overrides ?? {};
  const m = (file.marathon ?? {}) as Record<string, unknown>;

  const endpoints = o.endpoints ? [...o.endpoints] : (list(m.endpoints) ?? []);
  for (const endpoint of endpoints) {
    try {
      parseEndpoint(endpoint);
    } catch (error) {
      const from = o.endpoints ? 'the --marathon / --marathon-host flags (or MARATHON, MARATHON_HOST)' : `${source}, key marathon.endpoints`;
      throw new MmsdError('EMMSD_CONFIG_INVALID', `${from}: ${JSON.stringify(endpoint)} is not a Marathon URL (${describeError(error)})`, {
        hint: 'write endpoints as http://host:8080',
      });
    }
  }

  const dnsHosts = ((file.dns as { hosts?: Record<string, string> } | undefined)?.hosts ?? {}) as Record<string, string>;
  for (const [host, address] of Object.entries(dnsHosts)) {
    if (!isIP(address)) {
      throw new MmsdError('EMMSD_CONFIG_INVALID', `${source} is invalid: dns.hosts.${host} must be an IP address, not ${JSON.stringify(address)}`, {
        hint: 'map agent host names to IPv4 or IPv6 addresses',
      });
    }
  }

  let plugins: PluginEntry[] = filepath
    ? ((file.plugins as PluginEntry[] | undefined) ?? []).map((p) => (typeof p === 'string' ? p : [p[0], { ...(p[1] ?? {}) }]))
    : [...(options.defaultPlugins ?? [])];
  for (const [name, pluginOptions] of o.plugins ?? []) plugins = withPlugin(plugins, name, definedOnly(pluginOptions));

  const coalesce = o.coalesce ?? (file.coalesce as number | undefined) ?? DEFAULTS.coalesce;
  const dropGuard = (file.dropGuard ?? {}) as Record<string, number>;
  const metrics = (file.metrics ?? {}) as Record<string, unknown>;
  const health = (file.health ?? {}) as Record<string, number>;
  const stateFile = o.stateFile ?? (file.stateFile as string | false | undefined) ?? options.defaultStateFile ?? false;
  const directory = filepath ? dirname(filepath) : resolve(options.cwd ?? process.cwd());
  const config: MmsdConfig = {
    marathon: {
      endpoints,
      ...(m.auth ? { auth: m.auth as { basic?: string; token?: string } } : {}),
      resyncInterval: (m.resyncInterval as number | undefined) ?? DEFAULTS.resyncInterval,
      timeout: (m.timeout as number | undefined) ?? DEFAULTS.timeout,
      streamTimeout: (m.streamTimeout as number | undefined) ?? DEFAULTS.streamTimeout,
      mode: (m.mode as 'events' | 'poll' | undefined) ?? DEFAULTS.mode,
      pollInterval: (m.pollInterval as number | undefined) ?? DEFAULTS.pollInterval,
    },
    groups: o.groups && o.groups.length > 0 ? [...o.groups] : (list(file.groups) ?? [...DEFAULTS.groups]),
    coalesce,
    labels: (file.labels as MmsdConfig['labels'] | undefined) ?? DEFAULTS.labels,
    strictMode: o.strictMode ?? (file.strictMode as boolean | undefined) ?? DEFAULTS.strictMode,
    stateFile: typeof stateFile === 'string' ? resolve(directory, stateFile) : false,
    logLevel: o.logLevel ?? (file.logLevel as LogLevel | undefined) ?? DEFAULTS.logLevel,
    logFormat: o.logFormat ?? (file.logFormat as LogFormat | undefined) ?? DEFAULTS.logFormat,
    dns: {
      ttl: ((file.dns as Record<string, number> | undefined)?.ttl) ?? DEFAULTS.dnsTtl,
      hosts: { ...dnsHosts },
    },
    dropGuard: {
      ratio: dropGuard.ratio ?? DEFAULTS.dropGuard.ratio,
      minBackends: dropGuard.minBackends ?? DEFAULTS.dropGuard.minBackends,
      confirmDelay: dropGuard.confirmDelay ?? DEFAULTS.dropGuard.confirmDelay,
    },
    metrics: {
      ...(typeof metrics.port === 'number' ? { port: metrics.port } : {}),
      bind: (metrics.bind as string | undefined) ?? DEFAULTS.metricsBind,
    },
    health: {
      maxStateAge: health.maxStateAge ?? DEFAULTS.health.maxStateAge,
      handlerFailures: health.handlerFailures ?? DEFAULTS.health.handlerFailures,
    },
    plugins,
  };
  return { config: deepFreeze(config), source: { ...(filepath ? { filepath } : {}), directory } };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
