import type { MmsdConfig } from '@mmsd/core';
import { testConfig } from '@mmsd/core/testing';

/** The agent hosts of the simulator's synthetic clusters (`mmsd-sim --apps N`), as fixed addresses: no DNS in a benchmark. */
export const SYNTHETIC_AGENTS: Record<string, string> = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`agent-${i + 1}.cluster.internal`, `10.1.0.${i + 1}`]));

/** The config of an in-process benchmark agent at `url`: no periodic resync or state file in the way, warnings only. */
export function benchAgentConfig(url: string, timeoutSeconds: number): MmsdConfig {
  const base = testConfig();
  return {
    ...base,
    marathon: { ...base.marathon, endpoints: [url], resyncInterval: 3600, timeout: timeoutSeconds, streamTimeout: 60 },
    logLevel: 'warn',
    dns: { ttl: 3600, hosts: {} },
  };
}
