import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { CLI, stopAll } from './mmsd-process.js';
import { startSimProcess } from './sim-process.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';
import { runtimeDir } from './tmpfs.js';
import { SYNTHETIC_AGENTS } from './agent-config.js';

export interface NginxResult {
  apps: number;
  tasksPerApp: number;
  dynamic: 'lua' | 'reload';
  /** From mmsd's start to nginx serving (full sync, render, nginx -t, start). */
  startMs: number;
  /** mmsd's log: render and `nginx -t` of the whole config. */
  configKb: number;
  /** A probe task's health flipped (request to the simulator) → nginx routes accordingly (probed with real requests). */
  flipToServed: Summary;
  reloadsDuringFlips: number;
  /** A new app (a structural change) → its port served by nginx: render, nginx -t, reload. */
  createToServed: Summary;
  /** Of those reloads, mmsd's own figures (its log): rendering the whole config, and `nginx -t` of it. */
  renderMs: Summary;
  checkMs: Summary;
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.2', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve('error'));
    req.end();
  });
}

/**
 * The nginx handler with the real CLI and a real nginx against a simulated cluster (its
 * synthetic tasks are not reachable: nginx is not sent traffic for them), plus one probe app
 * whose two tasks are HTTP servers of this process on loopback. Health flips of one probe task:
 * from the request to the simulator until requests to the probe's port stop (or start again)
 * reaching it. Then apps created, until their port answers.
 */
export async function benchNginx(apps: number, tasksPerApp: number, dynamic: 'lua' | 'reload', flips: number, creates: number): Promise<NginxResult> {
  const sim = await startSimProcess(['--apps', String(apps), '--tasks', String(tasksPerApp), '--heartbeat', '10000']);
  const scratch = await runtimeDir('mmsd-bench-nginx-');
  await mkdir(join(scratch, 'temp'));
  const backends = await Promise.all(['a', 'b'].map(async (name) => {
    const server = createServer((_req, res) => res.end(name));
    return { name, server, port: await listening(server) };
  }));
  const probePort = 39_000 + Math.floor(Math.random() * 500);
  const files = { configFile: join(scratch, 'nginx.conf'), pidFile: join(scratch, 'nginx.pid'), logFile: join(scratch, 'nginx.log'), tempDir: join(scratch, 'temp') };
  const hosts = SYNTHETIC_AGENTS;
  const options = { ...files, bind: '127.0.0.2', gateway: { http: 0, https: 0 }, minReloadInterval: 0, dynamic, controlPort: 38_000 + Math.floor(Math.random() * 900) };
  const config = join(scratch, 'mmsd.json');
  await writeFile(config, JSON.stringify({ marathon: { endpoints: [sim.url], timeout: 120 }, stateFile: false, dns: { hosts }, plugins: [['nginx', options]] }));
  const env = { ...process.env, MMSD_DATA_DIR: join(scratch, 'data'), XDG_CONFIG_HOME: join(scratch, 'xdg'), MMSD_CONFIG_DIR: join(scratch, 'etc'), DEBUG: '' };
  const started = performance.now();
  const mmsd = spawn(process.execPath, [CLI, 'run', '--config', config, '--log-level', 'debug'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  createInterface({ input: mmsd.stderr! }).on('line', (l) => log.push(l));
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  const until = async <T>(what: string, condition: () => Promise<T | undefined> | T | undefined, timeoutMs = 300_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log.slice(-10).join('\n')}`);
      await delay(1);
    }
  };
  try {
    await until('nginx started', () => log.some((l) => /nginx started/.test(l)) || undefined);
    const startMs = performance.now() - started;
    const configKb = Math.round((await readFile(files.configFile)).length / 1024);
    // The probe: two tasks on this process's servers, at 127.0.0.1.
    await fetch(`${sim.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: '/bench/probe', instances: 0, portDefinitions: [{ port: probePort }], labels: { proto: 'http' }, healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0 }] }) });
    const tasks: string[] = [];
    for (const b of backends) tasks.push(((await sim.post('/_sim/apps/bench/probe/launch', { host: '127.0.0.1', ports: [b.port] })) as { taskId: string }).taskId);
    const seen = async (want: string[]) => {
      const got = new Set<string>();
      for (let i = 0; i < 6; i++) got.add(await get(probePort).then((body) => body));
      return [...got].sort().join() === want.join() ? true : undefined;
    };
    await until('the probe served by both tasks', () => seen(['a', 'b']));
    const reloadsBefore = log.filter((l) => /nginx reloaded/.test(l)).length;
    const flipTimes: number[] = [];
    for (let i = 0; i < flips; i++) {
      const t0 = performance.now();
      await sim.post(`/_sim/tasks/${tasks[0]}/health`, { alive: i % 2 === 1 });
      await until(`flip ${i}`, () => seen(i % 2 === 1 ? ['a', 'b'] : ['b']));
      flipTimes.push(performance.now() - t0);
      await delay(60);
    }
    const reloadsDuringFlips = log.filter((l) => /nginx reloaded/.test(l)).length - reloadsBefore;
    const createTimes: number[] = [];
    const linesBefore = log.length;
    for (let i = 0; i < creates; i++) {
      const port = probePort + 1 + i;
      const t0 = performance.now();
      await fetch(`${sim.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: `/bench/new-${i}`, instances: 0, portDefinitions: [{ port }], labels: { proto: 'http' } }) });
      // An app without tasks: nginx answers 502 on its port once it serves it.
      await until(`new app ${i}`, async () => ((await get(port)) === 'status 502' ? true : undefined), 60_000);
      createTimes.push(performance.now() - t0);
    }
    const reloadsOfCreates = log.slice(linesBefore).map((l) => /nginx reloaded: .*\(render (\d+) ms, nginx -t (\d+) ms\)/.exec(l)).filter((m) => m !== null);
    const renderMs = summarize(reloadsOfCreates.map((m) => Number(m[1])));
    const checkMs = summarize(reloadsOfCreates.map((m) => Number(m[2])));
    return { apps, tasksPerApp, dynamic, startMs, configKb, flipToServed: summarize(flipTimes), reloadsDuringFlips, createToServed: summarize(createTimes), renderMs, checkMs };
  } finally {
    for (const b of backends) b.server.close();
    await stopAll({ mmsd, exited, pidFile: files.pidFile, sim, dir: scratch });
  }
}
