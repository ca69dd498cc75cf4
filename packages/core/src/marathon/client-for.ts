import type { MmsdConfig } from '../config/types.js';
import { createLogger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import { MarathonClient } from './client.js';
import type { MarathonReader } from './client.js';

/** The agent's Marathon client for a config: endpoints in an order of its own, every request counted. */
export function clientFor(config: MmsdConfig, metrics: AgentMetrics, fetchImpl: typeof fetch | undefined): MarathonClient {
  return new MarathonClient({
    endpoints: config.marathon.endpoints,
    // Agents that list the same relays (or masters) spread over them.
    order: 'random',
    ...(config.marathon.auth ? { auth: config.marathon.auth } : {}),
    timeout: config.marathon.timeout * 1000,
    log: createLogger('marathon'),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    onRequest: (info) => {
      metrics.requests.inc({ kind: info.kind, outcome: info.outcome });
      metrics.requestSeconds.observe({ kind: info.kind }, info.seconds);
    },
  });
}

/** A reader of whatever client `current` gives now (the agent's, which a config reload replaces). */
export function readerOf(current: () => MarathonClient): MarathonReader {
  return {
    get endpoint() {
      return current().endpoint;
    },
    getApps: () => current().getApps(),
    getApp: (id) => current().getApp(id),
  };
}
