import { readFileSync } from 'node:fs';
import type { MmsdConfig } from '../src/config/types.js';
import type { MarathonApp } from '../src/marathon/types.js';
import { createStaticResolver } from '../src/model/address-resolver.js';
import { StateStore } from '../src/state/store.js';
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

/** A resolved config for agents under test: no state file, short timeouts, no plugins; `extra` overrides. */
/** A config for `endpoints`; `extra.marathon` is merged into the defaults (endpoints kept unless it names some). */
export function testConfig(endpoints: string[], extra: Omit<Partial<MmsdConfig>, 'marathon'> & { marathon?: Partial<MmsdConfig['marathon']> } = {}): MmsdConfig {
  const { marathon, ...rest } = extra;
  return {
    marathon: { endpoints, resyncInterval: 300, timeout: 2, streamTimeout: 30, mode: 'events', pollInterval: 5, ...marathon },
    groups: ['*'],
    coalesce: 0,
    stateFile: false,
    logLevel: 'info',
    logFormat: 'text',
    labels: 'both',
    strictMode: false,
    health: { maxStateAge: 120, handlerFailures: 3 },
    dns: { ttl: 60, hosts: {} },
    dropGuard: { ratio: 0.5, minBackends: 3, confirmDelay: 0.2 },
    metrics: { bind: '127.0.0.1' },
    plugins: [],
    ...rest,
  };
}
