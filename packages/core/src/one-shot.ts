import type { MmsdConfig } from './config/types.js';
import { isMmsdError, MmsdError } from './errors.js';
import { createLogger } from './log.js';
import { MarathonClient } from './marathon/client.js';
import { AgentMetrics } from './metrics.js';
import type { AddressResolver } from './model/address-resolver.js';
import { createDnsResolver } from './model/address-resolver.js';
import { labelRulesOf } from './model/marathon-lb.js';
import type { Snapshot } from './model/types.js';
import type { LoadedPlugin } from './plugins/load-plugins.js';
import { PluginSet } from './plugins/plugin-set.js';
import type { Artifact } from './plugins/api.js';
import { fetchedAppsSink } from './ingest/fetched-apps.js';
import { StateStore } from './state/store.js';

export interface SyncOnceOptions {
  resolver?: AddressResolver;
  fetch?: typeof fetch;
}

/**
 * The client's hint speaks for `run`, which keeps the last good state and retries; a one-shot
 * command asks each endpoint once and gives up.
 */
function oneShotError(error: unknown): unknown {
  if (!isMmsdError(error) || !error.code.startsWith('EMMSD_MARATHON_')) return error;
  return new MmsdError(error.code, error.message, {
    cause: error,
    details: error.details,
    hint: 'check that marathon.endpoints (or --marathon, --marathon-host, MARATHON, MARATHON_HOST) point at a running Marathon; this command asked each endpoint once and does not retry: run it again once Marathon answers',
  });
}

/** One full sync, no plugins: the model as `mmsd dump` shows it. Each endpoint is asked once. */
export async function syncOnce(config: MmsdConfig, options: SyncOnceOptions = {}): Promise<Snapshot> {
  const client = new MarathonClient({
    endpoints: config.marathon.endpoints,
    ...(config.marathon.auth ? { auth: config.marathon.auth } : {}),
    timeout: config.marathon.timeout * 1000,
    log: createLogger('marathon'),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const resolver = options.resolver ?? createDnsResolver({ ttl: config.dns.ttl, hosts: config.dns.hosts, log: createLogger('dns') });
  const log = createLogger('agent');
  const started = performance.now();
  const store = new StateStore({ groups: config.groups, labelRules: labelRulesOf(config), resolver, log: createLogger('model') });
  const { apps, hosts } = await client.eachApp(() => fetchedAppsSink(store)).catch((error: unknown) => {
    throw oneShotError(error);
  });
  const fetched = performance.now();
  await resolver.ensure(hosts);
  store.replacePrepared(apps);
  const snapshot = store.publish()!.snapshot;
  log.debug('full sync: %d apps (fetch, parse and model %d ms, applied in %d ms)', apps.length, Math.round(fetched - started), Math.round(performance.now() - fetched));
  return snapshot;
}

/**
 * Every enabled handler's files for a snapshot (the `onRender` waterfall), computed by the
 * same functions `run` uses; nothing is written or started.
 */
export async function renderArtifacts(
  config: MmsdConfig,
  configDir: string,
  plugins: readonly LoadedPlugin[],
  snapshot: Snapshot,
): Promise<Artifact[]> {
  const set = await PluginSet.create(plugins, {
    config,
    configDir,
    mode: 'render',
    marathon: {
      endpoint: '',
      getApps: () => Promise.reject(new Error('render does not talk to Marathon')),
      getApp: () => Promise.reject(new Error('render does not talk to Marathon')),
    },
    metrics: new AgentMetrics(false).helpers,
    getSnapshot: () => snapshot,
  });
  return set.hooks.onRender.promise([], snapshot);
}
