// Unknown is not routed, in HAProxy too: a server whose own check has not passed gets no
// traffic, at the first start, after a reload, and when added at run time. And one bad task
// never costs the config.
import test from 'ava';
import { freePort } from './helpers/ports.js';
import { get } from './helpers/backends.js';
import { parseServersState } from '@mmsd/plugin-haproxy';
import { haproxyCli, workerPid } from './helpers/haproxy.js';
import { backends, serving, setup, startMmsd, webApp } from './helpers/mmsd-haproxy.js';
import { redisCli, startRedis } from './helpers/redis.js';
import { redisRolesAtOnce } from './helpers/redis-role.js';
import { waitFor } from './helpers/wait.js';

type Roles = { master: number; slave: number; none: number };

/**
 * Connections to `port` in a tight loop, 8 open at a time (one at a time, leastconn would pick
 * the same server every time), from before anything listens until `masters` of them reached a
 * master (at most `seconds`): what answered them.
 */
async function rolesUntil(port: number, masters: number, seconds = 40): Promise<Roles> {
  const seen: Roles = { master: 0, slave: 0, none: 0 };
  const deadline = Date.now() + seconds * 1000;
  while (seen.master < masters && Date.now() < deadline) for (const role of await redisRolesAtOnce(port, 8)) seen[role]++;
  return seen;
}

const redisApp = (id: string, port: number) => ({
  id,
  instances: 2,
  labels: { proto: 'redis-master' },
  portDefinitions: [{ port, name: 'redis' }],
  healthChecks: [{ protocol: 'MESOS_TCP', portIndex: 0, intervalSeconds: 5 }],
});

test('redis-master never reaches a replica: from the first connection after a fresh start, after a reload, and for a server added at run time', async (t) => {
  const { sim, s, config, files } = await setup(t);
  const [master, replica, late] = await Promise.all([startRedis(s.dir), startRedis(s.dir), startRedis(s.dir)]);
  t.teardown(() => Promise.all([master!.stop(), replica!.stop(), late!.stop()]));
  await redisCli(replica!.port, 'replicaof', '127.0.0.1', String(master!.port));
  await redisCli(late!.port, 'replicaof', '127.0.0.1', String(master!.port));
  const port = await freePort();
  await sim.createApp(redisApp('/cache/redis', port), [master!, replica!].map((r) => ({ host: '127.0.0.1', ports: [r.port] })));

  // A fresh HAProxy: the loop starts before it listens.
  const cli = startMmsd(t, config, s.env);
  const fresh = await rolesUntil(port, 300);
  t.is(fresh.slave, 0, `a replica answered at the first start (${JSON.stringify(fresh)})`);
  t.true(fresh.master >= 300);

  // A reload (a new service): its servers are new to HAProxy.
  const second = await freePort();
  const worker = await workerPid(files.socket);
  await sim.createApp(redisApp('/cache/redis2', second), [master!, replica!].map((r) => ({ host: '127.0.0.1', ports: [r.port] })));
  const reloaded = await rolesUntil(second, 300);
  t.is(reloaded.slave, 0, `a replica answered after the reload (${JSON.stringify(reloaded)})`);
  t.not(await workerPid(files.socket), worker, 'a reload happened');

  // A server added through the runtime API.
  await sim.launchTask('/cache/redis', { host: '127.0.0.1', ports: [late!.port] });
  const added = async () => parseServersState(await haproxyCli(files.socket, 'show servers state cache.redis')).length === 3;
  await waitFor(added, { what: () => `the third server in HAProxy; mmsd said:\n${cli.err.slice(-10).join('\n')}` });
  const runtime = await rolesUntil(port, 400);
  t.is(runtime.slave, 0, `a replica added at run time answered (${JSON.stringify(runtime)})`);
  // Its own check keeps it out; it is in the config as ready all the same.
  const states = parseServersState(await haproxyCli(files.socket, 'show servers state cache.redis'));
  t.is(states.filter((x) => x.admin === 'ready').length, 3);
  t.is(states.filter((x) => x.operational === 'up').length, 1);
});

test('an HTTP server whose own check fails gets no request, even though Marathon says it is healthy', async (t) => {
  const { sim, s, config, files } = await setup(t);
  const [good, sick] = await backends(t, ['good', 'sick']);
  sick!.status = 503;
  const port = await freePort();
  await webApp(sim, '/web', port, [good!]);
  const cli = startMmsd(t, config, s.env);
  await serving(port);
  await sim.launchTask('/web', { host: '127.0.0.1', ports: [sick!.port] });
  await waitFor(async () => parseServersState(await haproxyCli(files.socket, 'show servers state web')).length === 2, {
    what: () => `the second server; mmsd said:\n${cli.err.slice(-10).join('\n')}`,
  });
  const bodies = new Set<string>();
  for (let i = 0; i < 200; i++) bodies.add((await get(port)).body);
  t.deepEqual([...bodies], ['good']);
  t.false(sick!.requests.some((r) => r.path === '/'), 'no request reached the server that fails its check');
});

test('a task with port 0 neither keeps HAProxy from starting nor blocks a new app; it is logged once and counted', async (t) => {
  const metrics = await freePort();
  const { sim, s, config } = await setup(t, { yaml: `metrics: { port: ${metrics} }\n` });
  const [one, two] = await backends(t, ['one', 'two']);
  const port = await freePort();
  await sim.createApp(
    {
      id: '/web',
      instances: 2,
      portDefinitions: [{ port, name: 'http' }],
      healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 1 }],
    },
    [
      { host: '127.0.0.1', ports: [one!.port] },
      { host: '127.0.0.1', ports: [0] },
    ],
  );
  const cli = startMmsd(t, config, s.env);
  await serving(port);
  t.is((await get(port)).body, 'one');
  await cli.line(/task "[^"]+" of \/web is left out of every handler: port "0" is not a port number \(1-65535\)/, { stream: 'err' });
  t.regex((await get(metrics, { path: '/metrics' })).body, /^mmsd_tasks_rejected 1$/m);
  const other = await freePort();
  await webApp(sim, '/other', other, [two!]);
  await serving(other);
  t.is((await get(other)).body, 'two');
  t.is(cli.err.filter((l) => /left out of every handler/.test(l)).length, 1, 'said once');
});
