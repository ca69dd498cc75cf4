// nginx under continuous load, on both paths: 20 reloads (apps created and deleted) and 200
// backend changes (tasks launched, killed, health flipping) should lose no request, and on the
// Lua path the backend changes should cause no reload at all.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { MarathonSimulator } from '@mmsd/marathon-sim';
import type { TaskJson } from '@mmsd/marathon-sim';
import type { HttpBackend } from './helpers/backends.js';
import { httpBackend } from './helpers/backends.js';
import { startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { loadBoth, untilServed } from './helpers/load.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

for (const dynamic of ['reload', 'lua'] as const) {
  test(`nginx (${dynamic}) under load: 20 reloads and 200 backend changes lose no request${dynamic === 'lua' ? '; backend changes cause no reload' : ''}`, async (t) => {
    const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
    t.teardown(() => sim.close());
    const s = await scratch(t);
    const files = { configFile: `${s.dir}/nginx.conf`, pidFile: `${s.dir}/nginx.pid`, logFile: `${s.dir}/nginx.log`, tempDir: `${s.dir}/nginx-temp` };
    t.teardown(() => {
      try {
        process.kill(Number(readFileSync(files.pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // not running
      }
    });
    const config = await s.write(
      'mmsd.yaml',
      `marathon: { endpoints: [${sim.url}] }\nplugins:\n  - [nginx, ${JSON.stringify({ ...files, bind: '127.0.0.1', gateway: { http: 0, https: 0 }, minReloadInterval: 0.1, dynamic, controlPort: await freePort() })}]\n`,
    );
    const pool: HttpBackend[] = await Promise.all(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((n) => httpBackend(n)));
    t.teardown(() => Promise.all(pool.map((b) => b.close())));
    const port = await freePort();
    await sim.createApp(
      { id: '/web', instances: 4, portDefinitions: [{ port, name: 'http' }], labels: { proto: 'http' }, healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 1 }] },
      pool.slice(0, 4).map((b) => ({ host: '127.0.0.1', ports: [b.port], healthy: true })),
    );
    const cli = startCli(['run', '--config', config], { env: s.env });
    t.teardown(() => cli.stop('SIGKILL'));
    await cli.line(/nginx started/, { stream: 'err' });
    await untilServed(port);

    const traffic = loadBoth(t, port);
    const reloadCount = () => cli.err.filter((l) => /nginx reloaded/.test(l)).length;
    const served = traffic.served;
    const perReload: number[] = [];
    let structuralDone = 0;
    const structural = async () => {
      for (let i = 0; i < 20; i++) {
        const before = reloadCount();
        const servedBefore = served();
        if (i % 2 === 0) await sim.createApp({ id: `/other/app${i}`, instances: 0, portDefinitions: [{ port: await freePort() }], labels: { proto: 'http' } });
        else await sim.deleteApp(`/other/app${i - 1}`);
        await waitFor(() => reloadCount() > before, { what: `reload ${i + 1}` });
        perReload.push(served() - servedBefore);
        structuralDone++;
      }
    };
    let changes = 0;
    const alive = (x: TaskJson) => ((x.healthCheckResults as { alive: boolean }[] | undefined) ?? []).every((r) => r.alive);
    const backendChanges = async () => {
      let flip = 0;
      while (changes < 200) {
        const tasks = sim.tasks('/web');
        const used = new Set(tasks.map((x) => (x.ports as number[])[0]));
        const free = pool.filter((b) => !used.has(b.port));
        const healthy = tasks.filter(alive);
        const step = changes % 4;
        if (step === 0 && free.length > 0) await sim.launchTask('/web', { host: '127.0.0.1', ports: [free[0]!.port], healthy: true });
        else if (step === 1 && healthy.length > 2) await sim.killTask(healthy[0]!.id as string, { scale: true });
        else if (step === 2 && healthy.length > 2) await sim.setHealth(healthy[flip++ % healthy.length]!.id as string, false);
        else {
          const sick = tasks.find((x) => !alive(x));
          if (sick) await sim.setHealth(sick.id as string, true);
          else if (free.length > 0) await sim.launchTask('/web', { host: '127.0.0.1', ports: [free[0]!.port], healthy: true });
          else await sim.killTask(healthy[0]!.id as string, { scale: true });
        }
        changes++;
        await delay(15);
      }
    };
    const reloadsBefore = reloadCount();
    await Promise.all([structural(), backendChanges()]);
    const { keepAlive: a, fresh: b, seconds } = await traffic.stop();
    const reloads = reloadCount() - reloadsBefore;
    t.log(`${seconds.toFixed(1)} s, ${((a.ok + b.ok) / seconds).toFixed(0)} requests/s; keep-alive: ${a.ok} ok, ${a.retried} retried on a closed idle connection; without: ${b.ok} ok; ${reloads} reloads for 20 structural and ${changes} backend changes`);
    t.is(structuralDone, 20);
    t.deepEqual(a.failed, [], 'no keep-alive request failed');
    t.deepEqual(b.failed, [], 'no request on a new connection failed');
    // The load ran through the reloads (on the reload path backend changes reload too, so two
    // counted reloads may come close together, with few requests between them).
    const during = perReload.reduce((a, b) => a + b, 0);
    t.true(during >= 200 && perReload.filter((n) => n > 0).length >= 10, `requests answered between the reloads: ${perReload.join(', ')}`);
    if (dynamic === 'lua') t.true(reloads <= 20, `only the structural changes reloaded (${reloads})`);
    else t.true(reloads > 20, 'the backend changes reloaded too');
    t.false(cli.err.some((l) => /:error /.test(l)), cli.err.filter((l) => /:error /.test(l)).join('\n'));
  });
}
