import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { MarathonSimulator } from '@mmsd/marathon-sim';
import { haproxyWorkerPid as workerPid } from '@mmsd/plugin-haproxy';
import { haproxyFiles } from './haproxy.js';
import { CLI, HAPROXY, stopAll } from './mmsd-process.js';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';
import { runtimeDir } from './tmpfs.js';

/** Services bind here: nothing else on the machine does, so ports 20000… are free. */
const BIND = '127.0.0.3';
const RATE = 100;

export interface RestartResult {
  apps: number;
  kills: number;
  /** kill -9 → mmsd logged "HAProxy started" (detect, render, start, worker answering). */
  restartedMs: Summary;
  /** kill -9 → the last request refused (no listener): connections are accepted after it. */
  refusedUntilMs: Summary;
  /** kill -9 → the last failed request: after it, everything is served (servers' checks passed). */
  servedMs: Summary;
  /** Requests that failed per kill at 100 requests/s, by reason. */
  refused: Summary;
  unavailable: Summary;
}

type Outcome = { sentAt: number; at: number; result: 'ok' | 'refused' | 'unavailable' | 'other' };

function getOnce(port: number): Promise<Outcome['result']> {
  return new Promise((resolve) => {
    const req = request({ host: BIND, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : res.statusCode === 503 ? 'unavailable' : 'other'));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'other'));
    req.end();
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/**
 * What a crash of HAProxy costs: the real CLI with the haproxy handler (HAProxy's own HTTP
 * checks on), `apps` services on one real backend, 100 requests/s on new connections to one
 * of them; HAProxy's master or worker is killed with SIGKILL, `kills` times each.
 */
export async function benchHaproxyRestart(apps: number, kills: number): Promise<RestartResult> {
  const backend = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 10_000 });
  for (let i = 0; i < apps; i++) {
    await sim.createApp(
      {
        id: `/bench/app${i}`,
        instances: 1,
        portDefinitions: [{ port: 20_000 + i }],
        labels: { proto: 'http' },
        healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0, intervalSeconds: 2 }],
      },
      [{ host: '127.0.0.1', ports: [backendPort] }],
    );
  }
  const scratch = await runtimeDir('mmsd-bench-restart-');
  const files = haproxyFiles(scratch);
  const options = { bin: HAPROXY, ...files, bind: BIND, gateway: { http: 0, https: 0 }, statsPort: 0, maxconn: 2000 };
  const config = join(scratch, 'mmsd.json');
  await writeFile(config, JSON.stringify({ marathon: { endpoints: [sim.url] }, stateFile: false, plugins: [['haproxy', options]] }));
  const env = { ...process.env, MMSD_DATA_DIR: join(scratch, 'data'), XDG_CONFIG_HOME: join(scratch, 'xdg'), MMSD_CONFIG_DIR: join(scratch, 'etc'), DEBUG: '' };
  const mmsd = spawn(process.execPath, [CLI, 'run', '--config', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const started: number[] = [];
  createInterface({ input: mmsd.stderr! }).on('line', (line) => {
    if (/HAProxy started/.test(line)) started.push(performance.now());
  });
  const exited = new Promise((resolve) => mmsd.once('exit', resolve));
  const outcomes: Outcome[] = [];
  let loading = true;
  const port = 20_000;
  const load = (async () => {
    while (loading) {
      const sentAt = performance.now();
      void getOnce(port).then((result) => outcomes.push({ sentAt, at: performance.now(), result }));
      await delay(1000 / RATE);
    }
  })();
  const servedSince = (t: number, n: number) => {
    const after = outcomes.filter((o) => o.sentAt >= t);
    return after.length >= n && after.slice(-n).every((o) => o.result === 'ok');
  };
  const result = { restarted: [] as number[], refusedUntil: [] as number[], served: [] as number[], refused: [] as number[], unavailable: [] as number[] };
  try {
    await until(() => servedSince(0, 50), 'HAProxy serving');
    for (const target of ['master', 'worker'] as const) {
      for (let k = 0; k < kills; k++) {
        // HAProxy runs 10 s between kills: mmsd slows down restarts of one that dies sooner.
        const quiet = performance.now();
        await until(() => servedSince(quiet, 10 * RATE), '10 s of requests all served');
        const pid = target === 'master' ? Number((await readFile(files.pidFile, 'utf8')).trim()) : await workerPid(files.socket);
        const startsBefore = started.length;
        const killedAt = performance.now();
        process.kill(pid!, 'SIGKILL');
        await until(() => started.length > startsBefore, 'HAProxy started again');
        await until(() => servedSince(killedAt + 1, 100), 'served again for a second');
        const during = outcomes.filter((o) => o.sentAt >= killedAt - 50);
        const failed = during.filter((o) => o.result !== 'ok');
        const refused = failed.filter((o) => o.result === 'refused');
        result.restarted.push(started[startsBefore]! - killedAt);
        result.refusedUntil.push(refused.length > 0 ? Math.max(...refused.map((o) => o.sentAt)) - killedAt : 0);
        result.served.push(failed.length > 0 ? Math.max(...failed.map((o) => o.at)) - killedAt : 0);
        result.refused.push(refused.length);
        result.unavailable.push(failed.filter((o) => o.result !== 'refused').length);
      }
    }
  } finally {
    loading = false;
    await load;
    await stopAll({ mmsd, exited, pidFile: files.pidFile, sim, dir: scratch });
    await new Promise((resolve) => backend.close(resolve));
  }
  return {
    apps,
    kills: kills * 2,
    restartedMs: summarize(result.restarted),
    refusedUntilMs: summarize(result.refusedUntil),
    servedMs: summarize(result.served),
    refused: summarize(result.refused),
    unavailable: summarize(result.unavailable),
  };
}
