import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config as OclifConfig } from '@oclif/core';
import { createLogger, defaultSystemDir, loadConfig, loadPlugins, setLogFormat, setLogLevel } from '@mmsd/core/host';
import type { LoadedConfig, Logger, MmsdConfig } from '@mmsd/core';
import type { LoadedPlugin } from '@mmsd/core/host';
import type { EmbeddedMarathon } from './embedded-marathon.js';
import type { SharedInput } from './flags.js';
import { LOGGER_PLUGIN, overridesFromFlags } from './flags.js';

export interface Prepared {
  config: MmsdConfig;
  loaded: LoadedConfig;
  plugins: LoadedPlugin[];
  embedded?: EmbeddedMarathon;
}

export interface PrepareOptions {
  /** Load the plugins of the config (dump does not need them). */
  plugins: boolean;
  /** Keep the embedded simulator's cluster moving. */
  demo: boolean;
  /** Reuse this embedded Marathon instead of starting one (config reload). */
  embedded?: EmbeddedMarathon;
  /** `--state-file`. */
  stateFile?: string;
}

/** Config (flags > environment > file > defaults), the plugins, and the embedded Marathon if none is given. */
export async function prepare(oclif: OclifConfig, input: SharedInput, options: PrepareOptions): Promise<Prepared> {
  const { flags } = input;
  setLogLevel(flags['log-level'] ?? 'info');
  setLogFormat(flags['log-format'] ?? 'text');
  const cwd = process.cwd();
  const defaultStateFile = join(oclif.dataDir, 'state.json');
  const loaded = await loadConfig({
    ...(flags.config ? { configFile: flags.config } : {}),
    cwd,
    overrides: {
      ...overridesFromFlags(input, cwd),
      ...(options.stateFile ? { stateFile: resolve(cwd, options.stateFile) } : {}),
    },
    defaultStateFile,
    defaultPlugins: [LOGGER_PLUGIN],
  });
  let config = loaded.config;
  setLogLevel(config.logLevel);
  setLogFormat(config.logFormat);
  // Before the embedded Marathon starts: a plugin that cannot load is a config error like any other.
  const plugins = options.plugins
    ? await loadPlugins({
        entries: config.plugins,
        searchDirs: [loaded.source.directory, oclif.dataDir, oclif.root],
        baseDir: loaded.source.directory,
        packageRoots: userPluginRoots(oclif),
        ...(loaded.source.filepath ? { configFile: loaded.source.filepath } : {}),
      })
    : [];
  let embedded = options.embedded;
  if (config.marathon.endpoints.length === 0) {
    // Loaded only when it runs: the simulator is no part of an agent that follows a real Marathon.
    const { startEmbeddedMarathon } = await import('./embedded-marathon.js');
    embedded ??= await startEmbeddedMarathon(createLogger('cli'), { demo: options.demo });
    config = {
      ...config,
      marathon: { ...config.marathon, endpoints: [embedded.url] },
      dns: { ...config.dns, hosts: { ...embedded.hosts, ...config.dns.hosts } },
      // The sample cluster must never become the saved state of a real one.
      stateFile: config.stateFile === defaultStateFile ? false : config.stateFile,
    };
  }
  return { config, loaded, plugins, ...(embedded ? { embedded } : {}) };
}

/** Plugins that `mmsd plugins:install` / `plugins:link` registered with oclif, by name. */
function userPluginRoots(oclif: OclifConfig): Record<string, string> {
  const roots: Record<string, string> = {};
  for (const plugin of oclif.getPluginsList()) {
    if (plugin.type === 'user' || plugin.type === 'link') roots[plugin.name] = plugin.root;
  }
  return roots;
}

const HANDLER_FLAGS = '--upstream-confd=PATH, --haproxy-bin=PATH or --haproxy-pidfile=PATH';

/** The line `run` logs at start (and on SIGHUP): which config file is in use, or that there is none. */
export function describeConfigSource(loaded: LoadedConfig, cwd = process.cwd()): string {
  if (loaded.source.filepath) return `config file ${loaded.source.filepath}`;
  const xdg = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mmsd');
  return `no config file (no --config, none found from ${cwd} upwards, in ${xdg} or in ${defaultSystemDir()}): flags, environment variables and defaults only`;
}

/**
 * Says at startup what the plugins will (not) do: nothing at all when none is loaded (a config
 * file whose plugins list is empty or missing), only log changes when the logger is alone.
 */
export function announcePlugins(prepared: Prepared, log: Logger = createLogger('cli')): void {
  const names = prepared.plugins.map((p) => p.plugin.name);
  const file = prepared.loaded.source.filepath;
  if (names.length === 0) {
    log.warn(
      'no plugin is loaded, so nothing is logged or written: %s. Enable handlers with %s, or list plugins under "plugins" in %s, e.g. plugins: [logger] (docs/configuration.md#plugins)',
      file ? `${file} lists no plugins` : 'no plugin is configured',
      HANDLER_FLAGS,
      file ?? 'a config file',
    );
  } else if (names.every((name) => name === 'logger')) {
    log.info(
      'only logging changes: no handler is enabled. Enable one with %s, or list plugins under "plugins" in %s (docs/configuration.md#plugins)',
      HANDLER_FLAGS,
      file ?? 'a config file',
    );
  }
}
