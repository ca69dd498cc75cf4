// mmsd with the haproxy handler against the simulator, on loopback: what the HAProxy end-to-end tests share.
import { MarathonSimulator } from '@mmsd/marathon-sim';
import type { HttpBackend } from './backends.js';
import { get, httpBackend } from './backends.js';
import { startCli } from './cli.js';
import { scratch } from './env.js';
import { haproxyFiles, haproxyPluginYaml, haproxyPorts, stopHaproxy } from './haproxy.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export type T = { teardown(fn: () => unknown): void };

export async function backends(t: T, names: string[]): Promise<HttpBackend[]> {
  const list = await Promise.all(names.map((n) => httpBackend(n)));
  t.teardown(() => Promise.all(list.map((b) => b.close())));
  return list;
}

/** The simulator, and mmsd with the haproxy handler (and the logger), everything on loopback. */
export async function setup(t: T, options: { extra?: Record<string, unknown>; yaml?: string; before?: (dir: string) => Promise<unknown> } = {}) {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  t.teardown(() => sim.close());
  const s = await scratch(t);
  await options.before?.(s.dir);
  const files = haproxyFiles(s.dir);
  const ports = await haproxyPorts();
  t.teardown(() => stopHaproxy(files));
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\n${options.yaml ?? ''}plugins:\n  - logger\n${haproxyPluginYaml(files, ports, options.extra)}`,
  );
  return { sim, s, files, ports, config };
}

/** `wrap`: a command that runs mmsd (e.g. `chrt --fifo 10`). */
export function startMmsd(t: T, config: string, env: Record<string, string>, wrap?: readonly string[]) {
  const cli = startCli(['run', '--config', config, '--log-level', 'debug'], { env, ...(wrap ? { wrap } : {}) });
  t.teardown(() => cli.stop('SIGKILL'));
  return cli;
}

/** The backends that answer `requests` GETs to a port. */
export async function hits(port: number, requests = 24, host?: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) seen.add((await get(port, { ...(host ? { host } : {}) })).body);
  return seen;
}

export const sorted = (set: Set<string>) => [...set].sort();

export async function webApp(sim: MarathonSimulator, id: string, servicePort: number, list: HttpBackend[], labels: Record<string, string> = {}) {
  await sim.createApp(
    {
      id,
      instances: list.length,
      portDefinitions: [{ port: servicePort, name: 'http', labels }],
      healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 1 }],
    },
    list.map((b) => ({ host: '127.0.0.1', ports: [b.port] })),
  );
}

export async function serving(port: number, host?: string): Promise<void> {
  await waitFor(async () => (await get(port, { ...(host ? { host } : {}), timeout: 1000 })).status === 200, { what: `HAProxy serving :${port}` });
}

/** setup(); the app /svc with one backend ("one"); mmsd started, and HAProxy serving it. */
export async function oneServiceServing(t: T, options: Parameters<typeof setup>[1] = {}) {
  const env = await setup(t, options);
  const [one] = await backends(t, ['one']);
  const port = await freePort();
  await webApp(env.sim, '/svc', port, [one!]);
  const cli = startMmsd(t, env.config, env.s.env);
  await serving(port);
  return { ...env, one: one!, port, cli };
}

