import test from 'ava';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serverName } from '@mmsd/plugin-haproxy';
import type { HttpBackend } from './helpers/backends.js';
import { get, getTls, httpsBackend, proxyProtocolBackend, selfSignedCertificate } from './helpers/backends.js';
import { runCli, startCli } from './helpers/cli.js';
import { allReadyServersUp, haproxyCli, masterPid, serverStates, serversUp, stopHaproxy, workerPid } from './helpers/haproxy.js';
import { backends, hits, oneServiceServing, serving, setup, sorted, startMmsd, webApp } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';
import { redisCli, redisRole, startRedis } from './helpers/redis.js';
import { waitFor } from './helpers/wait.js';

test('requests reach exactly the up tasks; backend changes apply through the runtime API, without a reload', async (t) => {
  const { sim, s, files, config } = await setup(t);
  const [b1, b2, b3, b4] = await backends(t, ['b1', 'b2', 'b3', 'b4']);
  const port = await freePort();
  await webApp(sim, '/web', port, [b1!, b2!, b3!]);
  const cli = startMmsd(t, config, s.env);
  await serving(port);
  await waitFor(() => allReadyServersUp(files.socket), { what: 'every server up after its first checks' });
  t.deepEqual(sorted(await hits(port)), ['b1', 'b2', 'b3']);
  const worker = await workerPid(files.socket);
  t.truthy(worker);
  const header = b1!.requests.find((r) => r.path === '/');
  t.is(header?.headers['x-forwarded-for'], '127.0.0.1', 'option forwardfor');

  const task = (b: HttpBackend) => sim.tasks('/web').find((x) => (x.ports as number[])[0] === b.port)!.id;
  await sim.setHealth(task(b2!), false);
  await waitFor(async () => (await serverStates(files.socket, 'web')).get(serverName(task(b2!))) === 'maint', { what: 'b2 in maintenance' });
  t.deepEqual(sorted(await hits(port)), ['b1', 'b3'], 'an unhealthy task gets no traffic');

  await sim.setHealth(task(b2!), true);
  await waitFor(async () => (await hits(port, 12)).has('b2'), { what: 'b2 back' });

  await sim.killTask(task(b3!), { scale: true });
  await waitFor(async () => !(await hits(port, 12)).has('b3'), { what: 'b3 gone' });
  await waitFor(async () => (await serverStates(files.socket, 'web')).size === 2, { what: () => 'its server deleted (once its connections are gone)' + cli.err.slice(-30).join('\n') });

  await sim.launchTask('/web', { host: '127.0.0.1', ports: [b4!.port] });
  await waitFor(async () => (await hits(port, 12)).has('b4'), { what: 'b4 added at run time' });
  t.deepEqual(sorted(await hits(port)), ['b1', 'b2', 'b4']);

  t.is(await workerPid(files.socket), worker, 'the same HAProxy worker: no reload');
  t.false(cli.err.some((l) => /HAProxy reloaded/.test(l)), 'no reload was logged');
  const written = await readFile(files.configFile, 'utf8');
  await waitFor(async () => (await readFile(files.configFile, 'utf8')).includes(`127.0.0.1:${b4!.port}`), {
    what: () => `the config file rewritten to agree; mmsd said:\n${cli.err.slice(-25).join('\n')}`,
  });
  t.not(written, undefined);
  // Rewritten by replacing server lines only: byte for byte what a full render of the state gives
  // (runCli collects stdout by lines: the last newline is not in it).
  const rendered = `${(await runCli(['render', '--config', config], { env: s.env })).stdout.split(`==> ${files.configFile} (haproxy) <==\n`)[1]}\n`;
  await waitFor(async () => (await readFile(files.configFile, 'utf8')) === rendered, { what: 'the file equal to what render prints' });
});

test('tasks that arrive while HAProxy reloads are added at run time', async (t) => {
  const { sim, s, files, config } = await setup(t, { extra: { minReloadInterval: 1, writeDelay: 0 } });
  const list = await backends(t, ['n1', 'n2', 'n3', 'other']);
  await webApp(sim, '/other', await freePort(), [list[3]!]);
  const cli = startMmsd(t, config, s.env);
  await waitFor(() => workerPid(files.socket), { what: 'HAProxy' });
  const port = await freePort();
  const rendered = cli.err.length;
  await sim.createApp({ id: '/fresh', instances: 0, portDefinitions: [{ port, name: 'http' }] });
  // While the reload for the new app runs: its tasks arrive, and a runtime change elsewhere
  // has the config file rewritten from the newest state before the next reload is due.
  await cli.line(/config of 2 services rendered/, { stream: 'err', after: rendered });
  for (const b of list.slice(0, 3)) await sim.launchTask('/fresh', { host: '127.0.0.1', ports: [b.port] });
  await sim.setHealth(sim.tasks('/other')[0]!.id as string, false);
  await waitFor(async () => (await serverStates(files.socket, 'fresh')).size === 3, { what: 'all three servers' });
  await waitFor(async () => (await hits(port, 12)).size === 3, { what: 'traffic to all three' });
  t.deepEqual(sorted(await hits(port)), ['n1', 'n2', 'n3']);
});

test('Host-header routing on the HTTP gateway: exact names before wildcards, the default vhost', async (t) => {
  const { sim, s, ports, config, files } = await setup(t);
  const [a, b, c, d] = await backends(t, ['a', 'b', 'c', 'd']);
  await webApp(sim, '/site/a', await freePort(), [a!], { 'lb-vhost': 'a.example.com' });
  await webApp(sim, '/site/b', await freePort(), [b!], { 'lb-vhost': '*.b.example.com' });
  await webApp(sim, '/site/c', await freePort(), [c!], { 'lb-vhost-default': '1' });
  await webApp(sim, '/site/d', await freePort(), [d!], { 'lb-vhost': 'x.b.example.com' });
  startMmsd(t, config, s.env);
  await serving(ports.http, 'a.example.com');
  await waitFor(() => allReadyServersUp(files.socket), { what: 'every server up after its first checks' });
  const route = async (host: string) => (await get(ports.http, { host })).body;
  t.is(await route('a.example.com'), 'a');
  t.is(await route('A.Example.COM:8080'), 'a', 'case and port of the Host header are ignored');
  t.is(await route('y.b.example.com'), 'b');
  t.is(await route('deep.y.b.example.com'), 'b');
  t.is(await route('x.b.example.com'), 'd', 'an exact name wins over a wildcard');
  t.is(await route('unknown.example.net'), 'c', 'the default vhost');
  t.is((await get(ports.http, { host: 'a.example.com' })).status, 200);
  const forwarded = a!.requests.find((r) => r.path === '/');
  t.is(forwarded?.headers['x-forwarded-proto'], 'http');
});

test('SNI routing on the HTTPS gateway: TLS passes through to the backend that owns the name', async (t) => {
  const { sim, s, ports, config, files } = await setup(t);
  const tls = await selfSignedCertificate(s.dir);
  const list = await Promise.all(['exact', 'wild', 'fallback', 'deeper'].map((n) => httpsBackend(n, tls)));
  t.teardown(() => Promise.all(list.map((b) => b.close())));
  const [exact, wild, fallback, deeper] = list;
  const tlsApp = async (id: string, backend: { port: number }, labels: Record<string, string>) =>
    sim.createApp({ id, instances: 1, portDefinitions: [{ port: await freePort(), labels }] }, [{ host: '127.0.0.1', ports: [backend.port] }]);
  await tlsApp('/tls/exact', exact!, { 'lb-vhost': 'secure.example.com' });
  await tlsApp('/tls/wild', wild!, { 'lb-vhost': '*.tls.example.com' });
  await tlsApp('/tls/deeper', deeper!, { 'lb-vhost': '*.deep.tls.example.com' });
  await tlsApp('/tls/fallback', fallback!, { 'lb-vhost-default': '1' });
  startMmsd(t, config, s.env);
  await waitFor(() => getTls(ports.https, 'secure.example.com').catch(() => ''), { what: 'the HTTPS gateway' });
  await waitFor(() => allReadyServersUp(files.socket), { what: 'every server up after its first checks' });
  t.is(await getTls(ports.https, 'secure.example.com'), 'exact secure.example.com', 'the backend terminates TLS and sees the SNI');
  t.is(await getTls(ports.https, 'SECURE.example.com'), 'exact SECURE.example.com', 'SNI is matched case-insensitively');
  t.is(await getTls(ports.https, 'a.tls.example.com'), 'wild a.tls.example.com');
  t.is(await getTls(ports.https, 'x.deep.tls.example.com'), 'deeper x.deep.tls.example.com', 'the longer wildcard wins');
  t.is(await getTls(ports.https, 'other.example.org'), 'fallback other.example.org', 'the default vhost');
  t.is(await getTls(ports.https), 'fallback -', 'no SNI at all: the default vhost');
});

test('PROXY protocol v1 and v2 headers arrive at the backends', async (t) => {
  const { sim, s, config } = await setup(t);
  const v1 = await proxyProtocolBackend('one');
  const v2 = await proxyProtocolBackend('two');
  t.teardown(async () => {
    await v1.close();
    await v2.close();
  });
  const p1 = await freePort();
  const p2 = await freePort();
  for (const [id, port, backend, version] of [['/pp/v1', p1, v1, '1'], ['/pp/v2', p2, v2, '2']] as const) {
    await sim.createApp({ id, instances: 1, portDefinitions: [{ port, labels: { 'lb-proxy-protocol': version } }] }, [{ host: '127.0.0.1', ports: [backend.port] }]);
  }
  startMmsd(t, config, s.env);
  const ask = (port: number) =>
    new Promise<string>((resolve, reject) => {
      const socket = createConnection(port, '127.0.0.1', () => socket.write('hello\n'));
      let out = '';
      socket.on('data', (d) => (out += d.toString()));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
  await waitFor(async () => (await ask(p1).catch(() => '')).startsWith('one'), { what: 'the v1 service' });
  t.regex(await ask(p1), /^one v1 TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\n$/);
  await waitFor(async () => (await ask(p2).catch(() => '')).startsWith('two'), { what: 'the v2 service' });
  t.regex(await ask(p2), /^two v2 family=1\n$/);
});

test('proto redis-master: only the Redis that says role:master gets connections, also after a failover', async (t) => {
  const { sim, s, config, files } = await setup(t);
  const first = await startRedis(s.dir);
  const second = await startRedis(s.dir);
  t.teardown(() => Promise.all([first.stop(), second.stop()]));
  await redisCli(second.port, 'replicaof', '127.0.0.1', String(first.port));
  const port = await freePort();
  await sim.createApp(
    {
      id: '/cache/redis',
      instances: 2,
      labels: { proto: 'redis-master' },
      portDefinitions: [{ port, name: 'redis' }],
      healthChecks: [{ protocol: 'MESOS_TCP', portIndex: 0, intervalSeconds: 1 }],
    },
    [first, second].map((r) => ({ host: '127.0.0.1', ports: [r.port] })),
  );
  startMmsd(t, config, s.env);
  await waitFor(() => workerPid(files.socket), { what: 'HAProxy' });
  const taskOf = (redis: { port: number }) => serverName(sim.tasks('/cache/redis').find((x) => (x.ports as number[])[0] === redis.port)!.id as string);
  // Every server starts DOWN; only the one whose role check passes comes up.
  await waitFor(async () => (await serversUp(files.socket, 'cache.redis')).join() === taskOf(first), { what: 'only the master up in HAProxy' });
  for (let i = 0; i < 10; i++) t.deepEqual(await redisRole(port), { role: 'master', port: first.port });

  await redisCli(second.port, 'replicaof', 'no', 'one');
  await redisCli(first.port, 'replicaof', '127.0.0.1', String(second.port));
  await waitFor(async () => (await serversUp(files.socket, 'cache.redis')).join() === taskOf(second), { what: 'the failover seen by the health check' });
  for (let i = 0; i < 10; i++) t.deepEqual(await redisRole(port), { role: 'master', port: second.port });
});

test('an invalid config is refused; the old one goes on serving; the error is logged', async (t) => {
  // A relative template path is relative to the config file's directory.
  const template = await readFile(new URL('../plugins/haproxy/templates/haproxy.cfg.ejs', import.meta.url), 'utf8');
  const { sim, files, port, one, cli } = await oneServiceServing(t, {
    extra: { template: 'custom.cfg.ejs' },
    before: (dir) =>
      writeFile(join(dir, 'custom.cfg.ejs'), `${template}\n<% if (view.services.some((x) => x.name.startsWith('broken'))) { -%>\nthis is not haproxy\n<% } -%>\n`),
  });
  const worker = await workerPid(files.socket);
  const before = await readFile(files.configFile, 'utf8');
  await webApp(sim, '/broken', await freePort(), [one]);
  await cli.line(/does not pass "haproxy -c" \(parsing \[.*haproxy\.cfg:\d+\] : unknown keyword .this.*\); HAProxy keeps the running config/, { stream: 'err' });
  t.is((await get(port)).body, 'one', 'the old config goes on serving');
  t.is(await workerPid(files.socket), worker);
  t.is(await readFile(files.configFile, 'utf8'), before, 'the live file was not replaced');
  await sim.deleteApp('/broken');
  await cli.line(/passes "haproxy -c" again/, { stream: 'err' });
});

test('a reload that fails (a service port in use) keeps the old worker serving, says why, and is tried again', async (t) => {
  const metricsPort = await freePort();
  const { sim, files, port, one, cli } = await oneServiceServing(t, { yaml: `metrics: { port: ${metricsPort} }\n` });
  const worker = await workerPid(files.socket);
  const squatter = createServer().listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  const taken = (squatter.address() as AddressInfo).port;
  await webApp(sim, '/clash', taken, [one]);
  await cli.line(new RegExp(`HAProxy could not load the new config \\(.*cannot bind socket \\(Address already in use\\) for \\[127\\.0\\.0\\.1:${taken}\\].*\\); the old one goes on serving; trying again in 1 s`), { stream: 'err' });
  t.is((await get(port)).body, 'one', 'the old worker serves on');
  t.is(await workerPid(files.socket), worker);
  await new Promise((resolve) => squatter.close(resolve));
  await cli.line(/HAProxy reloaded/, { stream: 'err' });
  await serving(taken);
  t.is((await get(taken)).body, 'one');
  const metrics = (await get(metricsPort, { path: '/metrics' })).body;
  t.regex(metrics, /^mmsd_haproxy_reloads_total\{outcome="failed"\} [1-9]/m);
  t.regex(metrics, /^mmsd_haproxy_reloads_total\{outcome="ok"\} 1$/m);
  t.regex(metrics, /^mmsd_haproxy_starts_total\{reason="initial"\} 1$/m);
  t.regex(metrics, /^mmsd_haproxy_config_checks_total\{outcome="passed"\} [1-9]/m);
  t.regex(metrics, /^mmsd_haproxy_reload_duration_seconds_count 1$/m);
});

test('a HAProxy that cannot start (a service port taken) is tried again until it can', async (t) => {
  const { sim, s, config } = await setup(t);
  const [one] = await backends(t, ['one']);
  const port = await freePort();
  await webApp(sim, '/svc', port, [one!]);
  const squatter = createServer().listen(port, '127.0.0.1');
  await once(squatter, 'listening');
  const cli = startMmsd(t, config, s.env);
  await cli.line(new RegExp(`HAProxy did not start: .*cannot bind socket \\(Address already in use\\) for \\[127\\.0\\.0\\.1:${port}\\]`), { stream: 'err' });
  await new Promise((resolve) => squatter.close(resolve));
  await cli.line(/HAProxy started/, { stream: 'err' });
  await serving(port);
  t.is((await get(port)).body, 'one');
});

test('manage: false writes the checked config and follows changes, but runs no HAProxy', async (t) => {
  const { sim, s, files, config } = await setup(t, { extra: { manage: false, writeDelay: 0 } });
  const [one, two] = await backends(t, ['one', 'two']);
  const port = await freePort();
  await webApp(sim, '/svc', port, [one!]);
  const cli = startMmsd(t, config, s.env);
  await waitFor(() => readFile(files.configFile, 'utf8').catch(() => ''), {
    what: () => `the config file; mmsd said:\n${cli.err.slice(-20).join('\n')}`,
  });
  t.regex(await readFile(files.configFile, 'utf8'), new RegExp(`server \\S+ 127\\.0\\.0\\.1:${one!.port}`));
  await sim.launchTask('/svc', { host: '127.0.0.1', ports: [two!.port] });
  await waitFor(async () => (await readFile(files.configFile, 'utf8')).includes(`127.0.0.1:${two!.port}`), { what: 'a new server in the file' });
  await webApp(sim, '/another', await freePort(), [two!]);
  await waitFor(async () => (await readFile(files.configFile, 'utf8')).includes('frontend another'), { what: 'a new service in the file' });
  t.is(masterPid(files), undefined, 'no HAProxy was started');
  t.false(cli.err.some((l) => /HAProxy (started|reloaded)|runtime API/.test(l)));
});

test('HAProxy outlives mmsd; a new mmsd takes it over; when HAProxy dies, mmsd starts it again', async (t) => {
  const { s, files, config, port, cli: first } = await oneServiceServing(t);
  const master = masterPid(files);
  t.truthy(master);
  t.is((await first.stop('SIGTERM')).code, 0);
  t.is((await get(port)).body, 'one', 'still serving without mmsd');
  const second = startMmsd(t, config, s.env);
  await second.line(new RegExp(`taking over the running HAProxy \\(master ${master}\\)`), { stream: 'err' });
  t.is(masterPid(files), master, 'no second HAProxy');
  process.kill(master!, 'SIGKILL');
  for (const line of (await haproxyCli(files.masterSocket, 'show proc').catch(() => '')).split('\n')) {
    const pid = /^(\d+)\s+worker/.exec(line)?.[1];
    if (pid) process.kill(Number(pid), 'SIGKILL');
  }
  await second.line(/HAProxy is not running any more; starting it again/, { stream: 'err' });
  await waitFor(() => masterPid(files) !== undefined && masterPid(files) !== master, { what: 'a new master' });
  await serving(port);
});

test('--haproxy-bin and --haproxy-pidfile (the seed options) are honoured', async (t) => {
  const { sim, s, files, ports } = await setup(t);
  const [one] = await backends(t, ['one']);
  const port = await freePort();
  await webApp(sim, '/svc', port, [one!]);
  const pidFile = `${files.dir}/seed.pid`;
  const { pidFile: _p, ...rest } = files;
  void _p;
  const config = await s.write(
    'seed.yaml',
    `marathon: { endpoints: [${sim.url}] }\nplugins:\n  - ["@mmsd/plugin-haproxy", ${JSON.stringify({ ...rest, dir: undefined, bind: '127.0.0.1', gateway: { http: ports.http, https: ports.https }, statsPort: ports.stats })}]\n`,
  );
  t.teardown(() => stopHaproxy({ ...files, pidFile }));
  const cli = startCli(['run', '--config', config, '--haproxy-bin=/usr/sbin/haproxy', `--haproxy-pidfile=${pidFile}`], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await serving(port);
  t.truthy(masterPid({ ...files, pidFile }));
});
