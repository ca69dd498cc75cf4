import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setTimeout as delay } from 'node:timers/promises';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { get } from './helpers/backends.js';
import { runCli, startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

async function cluster(t: { teardown(fn: () => unknown): void }) {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  return sim;
}

/** The instance lines of a service's file (undefined while the file does not exist). */
async function instances(dir: string, service: string): Promise<string[] | undefined> {
  try {
    const content = await readFile(join(dir, `${service}.instances`), 'utf8');
    return content.split('\n\n')[1]!.split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** `mmsd --marathon-host … --marathon-port … --upstream-confd DIR` (the seed's usage), files ready. */
async function agent(t: { teardown(fn: () => unknown): void }, sim: MarathonSimulator) {
  const s = await scratch(t);
  const dir = join(s.dir, 'confd');
  const cli = startCli([`--marathon-host=127.0.0.1`, `--marathon-port=${sim.port}`, `--upstream-confd=${dir}`], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await waitFor(async () => (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.instances')).length === 7, { what: '7 files' });
  await waitFor(() => sim.hub.size === 1, { what: 'the event stream' });
  return { dir, cli, s };
}

test('the seed usage writes one file per service, exactly as documented', async (t) => {
  const sim = await cluster(t);
  const { dir } = await agent(t, sim);
  t.is(
    await readFile(join(dir, 'developer.trapni.php.instances'), 'utf8'),
    'Service-Name: developer.trapni.php\nService-Port: 10001\nService-Transport-Proto: tcp\nService-Application-Proto: http\nHealth-Check-Proto: http\n\nmesos-agent-1.dc1.example.internal:31201\nmesos-agent-2.dc1.example.internal:31644\n',
  );
  t.regex(await readFile(join(dir, 'developer.trapni.worker_1.instances'), 'utf8'), /^Service-Name: developer\.trapni\.worker_1\nService-Port: 10502\nService-Transport-Proto: udp\n/);
});

test('MARATHON_HOST, MARATHON_PORT, UPSTREAM_CONFD work too, and the flag wins', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const fromEnv = join(s.dir, 'from-env');
  const fromFlag = join(s.dir, 'from-flag');
  const env = { ...s.env, MARATHON_HOST: '127.0.0.1', MARATHON_PORT: String(sim.port), UPSTREAM_CONFD: fromEnv };
  t.is((await runCli(['run', '--once'], { env })).code, 0);
  t.is((await readdir(fromEnv)).filter((f) => f.endsWith('.instances')).length, 7);
  t.is((await runCli(['run', '--once', `--upstream-confd=${fromFlag}`], { env })).code, 0);
  t.is((await readdir(fromFlag)).filter((f) => f.endsWith('.instances')).length, 7);
});

test('scaling up and down shows in the file', async (t) => {
  const sim = await cluster(t);
  const { dir } = await agent(t, sim);
  await sim.scaleApp('/developer/trapni/php', 3, [{ host: '127.0.0.1', ports: [32001, 32002] }]);
  await waitFor(async () => (await instances(dir, 'developer.trapni.php'))?.includes('127.0.0.1:32001'), { what: 'the new instance' });
  t.deepEqual(await instances(dir, 'developer.trapni.php_1'), ['127.0.0.1:32002', 'mesos-agent-1.dc1.example.internal:31202', 'mesos-agent-2.dc1.example.internal:31645']);
  await sim.scaleApp('/developer/trapni/php', 1);
  await waitFor(async () => (await instances(dir, 'developer.trapni.php'))?.length === 1, { what: 'scaled down to one' });
});

test('a task turning unhealthy leaves the file, and comes back when healthy again', async (t) => {
  const sim = await cluster(t);
  const { dir } = await agent(t, sim);
  const task = sim.tasks('/developer/trapni/php').find((x) => x.host === 'mesos-agent-1.dc1.example.internal')!.id;
  await sim.setHealth(task, false);
  await waitFor(async () => (await instances(dir, 'developer.trapni.php'))?.join() === 'mesos-agent-2.dc1.example.internal:31644', { what: 'unhealthy gone' });
  await sim.setHealth(task, true);
  await waitFor(async () => (await instances(dir, 'developer.trapni.php'))?.length === 2, { what: 'healthy back' });
  t.pass();
});

test('a task going TASK_KILLING leaves the file at once; its replacement joins', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000, stepDelay: 300 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const { dir } = await agent(t, sim);
  const victim = sim.tasks('/developer/trapni/worker').find((x) => x.state === 'TASK_RUNNING')!;
  const killing = sim.killTask(victim.id, { replacement: { host: '127.0.0.1', ports: [32010, 32011] } });
  // stepDelay keeps the task in TASK_KILLING for 300 ms: it must already be out of the file.
  await waitFor(async () => (await instances(dir, 'developer.trapni.worker'))?.length === 0, { what: 'draining', timeout: 290 });
  t.truthy(sim.task(victim.id), 'the task still exists (killing)');
  await killing;
  await waitFor(async () => (await instances(dir, 'developer.trapni.worker'))?.join() === '127.0.0.1:32010', { what: 'the replacement' });
});

test('an app deleted: its files are removed; an app gaining a port: a new file', async (t) => {
  const sim = await cluster(t);
  const { dir } = await agent(t, sim);
  await sim.deleteApp('/production/redis/master');
  await waitFor(async () => !(await readdir(dir)).includes('production.redis.master.instances'), { what: 'the file removed' });
  await sim.updateApp('/staging/web/frontend', {
    portDefinitions: [
      { port: 10401, name: 'http', labels: { 'lb-group': 'staging' } },
      { port: 10402, name: 'admin' },
    ],
  }, [{ host: '127.0.0.1', ports: [32020, 32021] }, { host: '127.0.0.1', ports: [32022, 32023] }]);
  await waitFor(async () => (await instances(dir, 'staging.web.frontend_1'))?.length === 2, { what: 'the new port\'s file' });
  t.is((await readFile(join(dir, 'staging.web.frontend_1.instances'), 'utf8')).split('\n')[1], 'Service-Port: 10402');
});

test('a reader polling the directory during 1,000 rapid changes never sees a partial or empty file', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const dir = join(s.dir, 'confd');
  // No coalescing: every one of the 1,000 changes is its own file write.
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\ncoalesce: 0\nplugins:\n  - [upstream-confd, { dir: ${dir} }]\n`);
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await waitFor(async () => sim.hub.size === 1 && (await instances(dir, 'developer.trapni.php'))?.length === 2, { what: 'the agent' });
  const file = join(dir, 'developer.trapni.php.instances');
  const reader = new Worker(
    `
    const { readFileSync } = require('node:fs');
    const { parentPort, workerData } = require('node:worker_threads');
    let reads = 0, bad = [], stop = false;
    parentPort.on('message', () => { stop = true; });
    const valid = /^Service-Name: developer\\.trapni\\.php\\nService-Port: 10001\\nService-Transport-Proto: tcp\\nService-Application-Proto: http\\nHealth-Check-Proto: http\\n\\n([^\\s:]+:\\d+\\n)*$/;
    const seen = new Set();
    let ready = false;
    const loop = () => {
      if (!ready) { ready = true; parentPort.postMessage('ready'); }
      for (let i = 0; i < 200; i++) {
        let content;
        try { content = readFileSync(workerData.file, 'utf8'); } catch (e) { bad.push('missing: ' + e.code); continue; }
        reads++;
        seen.add(content);
        if (!valid.test(content)) bad.push(JSON.stringify(content));
      }
      if (stop) parentPort.postMessage({ reads, bad: bad.slice(0, 5), badCount: bad.length, versions: seen.size });
      else setImmediate(loop);
    };
    loop();
    `,
    { eval: true, workerData: { file } },
  );
  await new Promise((resolve) => reader.once('message', resolve));
  const result = new Promise<{ reads: number; bad: string[]; badCount: number; versions: number }>((resolve) => reader.once('message', resolve));
  const tasks = sim.tasks('/developer/trapni/php').map((x) => x.id);
  // Spaced by a couple of milliseconds, so that the agent sees them as separate changes (500/s).
  for (let i = 0; i < 1000; i++) {
    await sim.setHealth(tasks[i % 2]!, i % 4 >= 2);
    await delay(2);
  }
  await waitFor(async () => (await instances(dir, 'developer.trapni.php'))?.length === 2, { what: 'the final state' });
  reader.postMessage('stop');
  const { reads, bad, badCount, versions } = await result;
  await reader.terminate();
  t.is(badCount, 0, `bad reads: ${bad.join(' | ')}`);
  t.true(reads > 1000, `${reads} reads`);
  // Both up, one or the other up, none up: up to four contents, all complete.
  t.true(versions >= 3 && versions <= 4, `the reader saw ${versions} different contents`);
});

test('a restart of mmsd with unchanged state rewrites nothing', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const dir = join(s.dir, 'confd');
  const args = ['run', '--once', `--marathon=${sim.url}`, `--upstream-confd=${dir}`];
  t.is((await runCli(args, { env: s.env })).code, 0);
  const snapshot = async () => {
    const out: Record<string, [number, number]> = {};
    for (const name of await readdir(dir)) {
      const st = await stat(join(dir, name));
      out[name] = [st.ino, st.mtimeMs];
    }
    return out;
  };
  const before = await snapshot();
  t.is(Object.keys(before).length, 8, '7 files and the manifest');
  t.is((await runCli(args, { env: s.env })).code, 0);
  t.deepEqual(await snapshot(), before);
});

test('a write that fails for real is retried until it lands, with no further change; stale temp files are removed at start', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const dir = join(s.dir, 'confd');
  const data = join(s.dir, 'data');
  // Left by a killed mmsd (a pid no process has), next to files that are not ours.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  await mkdir(dir, { recursive: true });
  await mkdir(data, { recursive: true });
  const staleState = join(data, `.state.json.tmp-${dead}-1`);
  await writeFile(staleState, '');
  await truncate(staleState, 30 * 2 ** 20);
  const staleFile = join(dir, `.developer.trapni.php.instances.tmp-${dead}-2`);
  await writeFile(staleFile, 'Service-Name: devel');
  await writeFile(join(dir, `.app.conf.tmp-${dead}-1`), 'not ours');
  const metricsPort = await freePort();
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\nmetrics: { port: ${metricsPort} }\nplugins:\n  - [upstream-confd, { dir: ${dir} }]\n`);
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await waitFor(async () => sim.hub.size === 1 && (await instances(dir, 'developer.trapni.php'))?.length === 2, { what: 'the agent' });
  // (The running mmsd may be saving its state right now: only the dead process's temp files count.)
  t.false((await readdir(data)).includes(`.state.json.tmp-${dead}-1`), 'the state file\'s stale temp file is gone');
  t.deepEqual((await readdir(dir)).filter((n) => n.includes(`.tmp-${dead}-`)), [`.app.conf.tmp-${dead}-1`], 'only ours are removed');
  const metric = async (line: RegExp) => line.test((await get(metricsPort, { path: '/metrics' })).body);

  // The file's path becomes a directory that is not empty: renaming the new content over it fails (EISDIR).
  const file = join(dir, 'developer.trapni.php.instances');
  await rm(file);
  await mkdir(join(file, 'in-the-way'), { recursive: true });
  const task = sim.tasks('/developer/trapni/php').find((x) => x.host === 'mesos-agent-1.dc1.example.internal')!.id;
  await sim.setHealth(task, false);
  const failure = await cli.line(/cannot write .*developer\.trapni\.php\.instances: EISDIR/, { stream: 'err' });
  t.true(failure.includes(`${file} is a directory: remove it; retrying until it works`), failure);
  await waitFor(() => metric(/^mmsd_file_writes_pending\{plugin="upstream-confd"\} 1$/m), { what: 'the pending write in the metrics' });

  await rm(file, { recursive: true });
  await waitFor(async () => (await instances(dir, 'developer.trapni.php'))?.join() === 'mesos-agent-2.dc1.example.internal:31644', { what: 'the retried write' });
  await cli.line(/wrote .*developer\.trapni\.php\.instances after \d+ failed attempts? in \d+ s/, { stream: 'err' });
  t.true(await metric(/^mmsd_file_writes_pending\{plugin="upstream-confd"\} 0$/m));
  t.true(await metric(/^mmsd_file_write_failures_total\{plugin="upstream-confd",code="EISDIR"\} [1-9]/m));
  t.is(cli.err.filter((l) => l.includes('cannot write')).length, 1, 'the failure is logged once');
});
