import { join, resolve } from 'node:path';
import type { Config as OclifConfig } from '@oclif/core';
import { createLogger, loadConfig, loadPlugins, setLogLevel } from '@mmsd/core';
import type { LoadedConfig, LoadedPlugin, MmsdConfig } from '@mmsd/core';
import type { EmbeddedMarathon } from './embedded-marathon.js';
import { startEmbeddedMarathon } from './embedded-marathon.js';
import type { SharedFlagValues } from './flags.js';
import { overridesFromFlags } from './flags.js';

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

/** Config (flags > environment > file > defaults), the embedded Marathon if none is given, and the plugins. */
export async function prepare(oclif: OclifConfig, flags: SharedFlagValues, options: PrepareOptions): Promise<Prepared> {
  setLogLevel(flags['log-level'] ?? 'info');
  const cwd = process.cwd();
  const defaultStateFile = join(oclif.dataDir, 'state.json');
  const loaded = await loadConfig({
    ...(flags.config ? { configFile: flags.config } : {}),
    cwd,
    overrides: {
      ...overridesFromFlags(flags, cwd),
      ...(options.stateFile ? { stateFile: resolve(cwd, options.stateFile) } : {}),
    },
    defaultStateFile,
  });
  let config = loaded.config;
  setLogLevel(config.logLevel);
  let embedded = options.embedded;
  if (config.marathon.endpoints.length === 0) {
    embedded ??= await startEmbeddedMarathon(createLogger('cli'), { demo: options.demo });
    config = {
      ...config,
      marathon: { ...config.marathon, endpoints: [embedded.url] },
      dns: { ...config.dns, hosts: { ...embedded.hosts, ...config.dns.hosts } },
      // The sample cluster must never become the saved state of a real one.
      stateFile: config.stateFile === defaultStateFile ? false : config.stateFile,
    };
  }
  const plugins = options.plugins
    ? await loadPlugins({
        entries: config.plugins,
        searchDirs: [loaded.source.directory, oclif.dataDir, oclif.root],
        baseDir: loaded.source.directory,
        packageRoots: userPluginRoots(oclif),
        ...(loaded.source.filepath ? { configFile: loaded.source.filepath } : {}),
      })
    : [];
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

/** Says so at startup when nothing but the logger runs, and how to enable handlers. */
export function warnIfOnlyLogging(prepared: Prepared): void {
  if (prepared.plugins.every((p) => p.plugin.name === 'logger')) {
    createLogger('cli').info(
      'only logging changes: no handler is enabled. Enable one with --upstream-confd=PATH, --haproxy-bin=PATH or --haproxy-pidfile=PATH, or list plugins in a config file (docs/configuration.md)',
    );
  }
}
