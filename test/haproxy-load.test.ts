import test from 'ava';
import { setTimeout as delay } from 'node:timers/promises';
import { MarathonSimulator } from '@mmsd/marathon-sim';
import type { HttpBackend } from './helpers/backends.js';
import { httpBackend } from './helpers/backends.js';
import { startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { serverName } from '@mmsd/plugin-haproxy';
import { haproxyFiles, haproxyPluginYaml, haproxyPorts, serversUp, stopHaproxy, workerPid } from './helpers/haproxy.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';
import { loadBoth, untilServed } from './helpers/load.js';

test('under load (keep-alive and not), 20 reloads and 200 backend changes lose no request', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const files = haproxyFiles(s.dir);
  t.teardown(() => stopHaproxy(files));
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}] }\nplugins:\n${haproxyPluginYaml(files, await haproxyPorts(), { minReloadInterval: 0.1 })}`,
  );
  const pool: HttpBackend[] = await Promise.all(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((n) => httpBackend(n)));
  t.teardown(() => Promise.all(pool.map((b) => b.close())));
  const port = await freePort();
  await sim.createApp(
    {
      id: '/web',
      instances: 4,
      portDefinitions: [{ port, name: 'http' }],
      labels: { proto: 'http' },
      healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 1 }],
    },
    pool.slice(0, 4).map((b) => ({ host: '127.0.0.1', ports: [b.port] })),
  );
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await waitFor(() => workerPid(files.socket), { what: 'HAProxy' });
  await untilServed(port);
  const traffic = loadBoth(t, port);

  // 200 backend changes: tasks killed and launched, health flipping; at least two servers stay
  // up. Up means in HAProxy too: a new server gets traffic only once its own check passed.
  let changes = 0;
  let reloadsDone = 0;
  const reloadCount = () => cli.err.filter((l) => /HAProxy reloaded/.test(l)).length;
  const served = traffic.served;
  /** Requests answered between one reload and the next: the load runs through every reload. */
  const perReload: number[] = [];
  const reloads = async () => {
    for (let i = 0; i < 20; i++) {
      const before = reloadCount();
      const servedBefore = served();
      if (i % 2 === 0) await sim.createApp({ id: `/other/app${i}`, instances: 0, portDefinitions: [{ port: await freePort() }] });
      else await sim.deleteApp(`/other/app${i - 1}`);
      await waitFor(() => reloadCount() > before, { what: `reload ${i + 1}` });
      perReload.push(served() - servedBefore);
      reloadsDone++;
    }
  };
  const backendChanges = async () => {
    let flip = 0;
    while (changes < 200) {
      const tasks = sim.tasks('/web');
      const used = new Set(tasks.map((x) => (x.ports as number[])[0]));
      const free = pool.filter((b) => !used.has(b.port));
      const up = new Set(await serversUp(files.socket, 'web'));
      const healthy = tasks.filter((x) => ((x.healthCheckResults as { alive: boolean }[] | undefined) ?? []).every((r) => r.alive));
      const serving = healthy.filter((x) => up.has(serverName(x.id as string)));
      const step = changes % 4;
      if (step === 0 && free.length > 0) await sim.launchTask('/web', { host: '127.0.0.1', ports: [free[0]!.port] });
      else if (step === 1 && healthy.length > 3 && serving.length > 2) await sim.killTask(serving[0]!.id as string, { scale: true });
      else if (step === 2 && healthy.length > 2 && serving.length > 2) await sim.setHealth(serving[flip++ % serving.length]!.id as string, false);
      else {
        const sick = tasks.find((x) => ((x.healthCheckResults as { alive: boolean }[] | undefined) ?? []).some((r) => !r.alive));
        if (sick) await sim.setHealth(sick.id as string, true);
        else if (free.length > 0) await sim.launchTask('/web', { host: '127.0.0.1', ports: [free[0]!.port] });
        else if (serving.length > 2) await sim.killTask(serving[0]!.id as string, { scale: true });
        else {
          await delay(15); // nothing may change now: wait for a server to come up
          continue;
        }
      }
      changes++;
      await delay(15);
    }
  };
  await Promise.all([reloads(), backendChanges()]);
  const { keepAlive: a, fresh: b, seconds } = await traffic.stop();
  t.log(
    `${seconds.toFixed(1)} s, ${((a.ok + b.ok) / seconds).toFixed(0)} requests/s, at least ${Math.min(...perReload)} around each reload; keep-alive: ${a.ok} ok, ${a.retried} retried on a closed idle connection; without: ${b.ok} ok; ${reloadsDone} reloads, ${changes} backend changes`,
  );
  t.is(reloadsDone, 20);
  t.deepEqual(a.failed, [], 'no keep-alive request failed');
  t.deepEqual(b.failed, [], 'no request on a new connection failed');
  // The rate depends on what else the machine runs; the load must have been there all along.
  t.true(Math.min(...perReload) >= 10, `requests answered around each reload: ${perReload.join(', ')}`);
  t.true(a.ok >= 500 && b.ok >= 500);
  t.false(cli.err.some((l) => /:error /.test(l)), cli.err.filter((l) => /:error /.test(l)).join('\n'));
});
