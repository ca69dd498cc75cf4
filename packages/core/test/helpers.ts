import { readFileSync } from 'node:fs';
import type { MmsdConfig } from '../src/config/types.js';
import type { MarathonApp } from '../src/marathon/types.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { StateStore } from '../src/state/store.js';
import { testConfig as defaultConfig } from '../src/testing-context.js';
import { fixture } from '../../../test/helpers/paths.js';

export { fixture };

export function loadApps(name: string): MarathonApp[] {
  return (JSON.parse(readFileSync(fixture(name), 'utf8')) as { apps: MarathonApp[] }).apps;
}

/** The agents of the constructed fixtures and their IPs. */
export const AGENTS = {
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
};

export function storeWith(apps: MarathonApp[], groups: string[] = ['*']): StateStore {
  const store = new StateStore({ groups, resolver: createStaticResolver(AGENTS) });
  store.replaceAll(apps);
  return store;
}

/** Parses an SSE body into its events (`event:`/`data:` frames, CRLF). */
export function sseEvents(name: string): Record<string, unknown>[] {
  return readFileSync(fixture(name), 'utf8')
    .split('\r\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
}

/**
 * A resolved config for agents under test at `endpoints`: mmsd's defaults (the testing
 * package's `testConfig()`), no state file, short timeouts, a drop guard that a small cluster
 * trips; `extra` overrides, `extra.marathon` merged into the Marathon part.
 */
export function testConfig(endpoints: string[], extra: Omit<Partial<MmsdConfig>, 'marathon'> & { marathon?: Partial<MmsdConfig['marathon']> } = {}): MmsdConfig {
  const { marathon, ...rest } = extra;
  const base = defaultConfig();
  return {
    ...base,
    marathon: { ...base.marathon, endpoints, timeout: 2, ...marathon },
    dropGuard: { ratio: 0.5, minBackends: 3, confirmDelay: 0.2 },
    ...rest,
  };
}
