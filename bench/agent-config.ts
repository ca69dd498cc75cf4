import type { MmsdConfig } from '@mmsd/core';

/** The agent hosts of the simulator's synthetic clusters (`mmsd-sim --apps N`), as fixed addresses: no DNS in a benchmark. */
export const SYNTHETIC_AGENTS: Record<string, string> = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`agent-${i + 1}.cluster.internal`, `10.1.0.${i + 1}`]));

/** The config of an in-process benchmark agent at `url`: no periodic resync or state file in the way, warnings only. */
export function benchAgentConfig(url: string, timeoutSeconds: number): MmsdConfig {
  return {
    marathon: { endpoints: [url], resyncInterval: 3600, timeout: timeoutSeconds, streamTimeout: 60, mode: 'events', pollInterval: 5 },
    groups: ['*'],
    coalesce: 0,
    stateFile: false,
    logLevel: 'warn',
    logFormat: 'text',
    labels: 'both',
    strictMode: false,
    health: { maxStateAge: 120, handlerFailures: 3 },
    dns: { ttl: 3600, hosts: {} },
    dropGuard: { ratio: 0.5, minBackends: 10, confirmDelay: 3 },
    metrics: { bind: '127.0.0.1' },
    plugins: [],
  };
}
