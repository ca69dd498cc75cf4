// The nginx handler end to end (first part: the reload path): the real CLI, real nginx, real
// HTTP backends, all on loopback.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { MarathonSimulator } from '@mmsd/marathon-sim';
import { get } from './helpers/backends.js';
import { scratch } from './helpers/env.js';
import { backends, hits, sorted, startMmsd, webApp } from './helpers/mmsd-haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

function stopNginx(pidFile: string): void {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
  } catch {
    // not running
  }
}

for (const dynamic of ['reload', 'lua'] as const) {
test(`nginx (${dynamic}): served by service port and by Host, a task that goes down leaves ${dynamic === 'lua' ? 'with no reload' : 'after a checked reload'}; nginx started again when it dies`, async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const [port, gateway] = [await freePort(), await freePort()];
  const files = { configFile: `${s.dir}/nginx.conf`, pidFile: `${s.dir}/nginx.pid`, logFile: `${s.dir}/nginx.log`, tempDir: `${s.dir}/nginx-temp` };
  t.teardown(() => stopNginx(files.pidFile));
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\nplugins:\n  - [nginx, ${JSON.stringify({ ...files, bind: '127.0.0.1', gateway: { http: gateway, https: 0 }, minReloadInterval: 0, dynamic, controlPort: await freePort() })}]\n`,
  );
  const list = await backends(t, ['one', 'two']);
  await webApp(sim, '/web', port, list, { 'lb-vhost': 'www.example.com' });
  for (const task of sim.tasks('/web')) await sim.setHealth(task.id, true);
  const cli = startMmsd(t, config, s.env);
  await cli.line(/nginx started/, { stream: 'err' });
  await waitFor(async () => sorted(await hits(port, 12)).join() === 'one,two', { what: 'both backends behind the service port' });
  t.deepEqual(sorted(await hits(gateway, 12, 'www.example.com')), ['one', 'two'], 'by Host on the gateway');
  t.is((await get(gateway, { host: 'other.example.com' })).status, 404, 'an unknown name: no service');

  // A task goes down: after the reload it gets no request.
  const pid = readFileSync(files.pidFile, 'utf8').trim();
  const down = sim.tasks('/web').find((task) => (task.ports as number[])[0] === list[0]!.port)!;
  const before = readFileSync(files.configFile, 'utf8');
  await sim.setHealth(down.id, false);
  if (dynamic === 'reload') await cli.line(/nginx reloaded/, { stream: 'err' });
  await waitFor(async () => sorted(await hits(port, 12)).join() === 'two', { what: 'only the up backend' });
  t.is(readFileSync(files.pidFile, 'utf8').trim(), pid, 'the same master: reloaded, not restarted');
  if (dynamic === 'reload') {
    t.regex(readFileSync(files.configFile, 'utf8'), new RegExp(`server 127\\.0\\.0\\.1:${list[1]!.port} `));
    t.notRegex(readFileSync(files.configFile, 'utf8'), new RegExp(`server 127\\.0\\.0\\.1:${list[0]!.port} `));
  } else {
    t.false(cli.err.some((l) => /nginx reloaded/.test(l)), 'no reload for a backend change');
    t.is(readFileSync(files.configFile, 'utf8'), before, 'the config is the same: the members are in nginx\'s shared dict');
    t.true(cli.err.some((l) => /through its Lua module, without a reload/.test(l)), 'the choice is logged at start');
  }

  // No task up: 502, as nginx answers for an upstream with no live server (on both paths).
  const other = sim.tasks('/web').find((task) => (task.ports as number[])[0] === list[1]!.port)!;
  await sim.setHealth(other.id, false);
  await waitFor(async () => (await get(port)).status === 502, { what: '502 with no task up' });
  await sim.setHealth(other.id, true);
  await waitFor(async () => sorted(await hits(port, 12)).join() === 'two', { what: 'the task up again' });

  // nginx dies: mmsd starts it again, with the config it had.
  const lines = cli.err.length;
  process.kill(Number(pid), 'SIGTERM');
  await cli.line(/nginx started again/, { stream: 'err', after: lines, timeout: 20_000 });
  t.not(readFileSync(files.pidFile, 'utf8').trim(), pid, 'a new master');
  await waitFor(async () => sorted(await hits(port, 12)).join() === 'two', { what: 'served again' });
});
}

test('nginx: the default vhost, SNI passthrough on the HTTPS gateway, and the PROXY header at a TCP backend', async (t) => {
  const { createConnection } = await import('node:net');
  const { getTls, httpsBackend, proxyProtocolBackend, selfSignedCertificate } = await import('./helpers/backends.js');
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const [httpGateway, httpsGateway] = [await freePort(), await freePort()];
  const files = { configFile: `${s.dir}/nginx.conf`, pidFile: `${s.dir}/nginx.pid`, logFile: `${s.dir}/nginx.log`, tempDir: `${s.dir}/nginx-temp` };
  t.teardown(() => stopNginx(files.pidFile));
  const tls = await selfSignedCertificate(s.dir);
  const [exact, wild, fallback] = await Promise.all(['exact', 'wild', 'fallback'].map((n) => httpsBackend(n, tls)));
  const proxied = await proxyProtocolBackend('pp');
  const [web] = await backends(t, ['web']);
  t.teardown(() => Promise.all([exact!, wild!, fallback!, proxied].map((b) => b.close())));
  const app = async (id: string, port: number, backendPort: number, labels: Record<string, string>) =>
    sim.createApp({ id, instances: 1, portDefinitions: [{ port, labels }] }, [{ host: '127.0.0.1', ports: [backendPort] }]);
  await app('/tls/exact', await freePort(), exact!.port, { 'lb-vhost': 'secure.example.com' });
  await app('/tls/wild', await freePort(), wild!.port, { 'lb-vhost': '*.tls.example.com' });
  await app('/tls/fallback', await freePort(), fallback!.port, { 'lb-vhost-default': '1' });
  const ppPort = await freePort();
  await app('/pp/v1', ppPort, proxied.port, { 'lb-proxy-protocol': '1' });
  await webApp(sim, '/web', await freePort(), [web!], { 'lb-vhost-default': '1', proto: 'http' });
  for (const task of sim.tasks('/web')) await sim.setHealth(task.id, true);
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\nplugins:\n  - [nginx, ${JSON.stringify({ ...files, bind: '127.0.0.1', gateway: { http: httpGateway, https: httpsGateway }, minReloadInterval: 0, controlPort: await freePort() })}]\n`,
  );
  const cli = startMmsd(t, config, s.env);
  await cli.line(/nginx started/, { stream: 'err' });
  await waitFor(async () => (await hits(httpGateway, 2, 'anything.example.net')).has('web'), { what: 'the default vhost on the HTTP gateway' });
  await waitFor(() => getTls(httpsGateway, 'secure.example.com').catch(() => ''), { what: 'the HTTPS gateway' });
  t.is(await getTls(httpsGateway, 'secure.example.com'), 'exact secure.example.com', 'TLS passes through; the backend sees the SNI');
  t.is(await getTls(httpsGateway, 'a.tls.example.com'), 'wild a.tls.example.com');
  t.is(await getTls(httpsGateway, 'other.example.org'), 'fallback other.example.org', 'the default vhost');
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = createConnection(ppPort, '127.0.0.1', () => socket.write('hello\n'));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  t.regex(answer, /^pp v1 TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+/, 'the PROXY header arrives at the TCP backend');
});
