import test from 'ava';
import type { ExecutionContext } from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { waitFor } from './helpers/wait.js';

async function cluster(t: { teardown(fn: () => unknown): void }, stepDelay = 0) {
  // Heartbeats well inside the agent's streamTimeout (5 s), as Marathon's 10 s are inside the default 30 s.
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000, stepDelay });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  return sim;
}

/** The real CLI with the JSON logger (batching by load, the default), and its files in a scratch dir. */
async function agent(t: ExecutionContext, sim: MarathonSimulator, extra = '') {
  const s = await scratch(t);
  const config = await s.write(
    'mmsd.yaml',
    `marathon:\n  endpoints: [${sim.url}]\n  streamTimeout: 5\nplugins:\n  - [logger, { format: json }]\n${extra}`,
  );
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(/"event":"snapshot"/);
  await waitFor(() => sim.hub.size === 1, { what: 'the event stream' });
  t.is(cli.err.filter((l) => l.endsWith(`mmsd:cli:info config file ${config}`)).length, 1, 'the config file in use is logged once at start');
  const records = () => cli.out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  return { cli, s, config, records };
}

test('a task started, killed and turned unhealthy each reaches the logger, every step of it', async (t) => {
  // The steps of a launch and a kill 100 ms apart, as a real cluster spaces them: each is
  // published as it comes (no clock window holds one back to merge it with the next).
  const sim = await cluster(t, 100);
  const { records } = await agent(t, sim);

  const id = await sim.launchTask('/developer/trapni/worker', { host: '127.0.0.1', ports: [32000, 32001] });
  await waitFor(() => records().find((r) => r.taskId === id && r.event === 'task-added'), { what: 'task-added' });
  await waitFor(() => records().find((r) => r.taskId === id && r.state?.after === 'TASK_RUNNING'), { what: 'the rest of the launch' });
  const php = sim.tasks('/developer/trapni/php')[0]!.id;
  await sim.setHealth(php, false);
  const down = await waitFor(() => records().find((r) => r.taskId === php && r.health?.after === 'down'), { what: 'unhealthy' });
  t.deepEqual(down.health, { before: 'up', after: 'down' });

  await sim.killTask(id, { scale: true });
  await waitFor(() => records().find((r) => r.taskId === id && r.health?.after === 'draining'), { what: 'draining' });
  await waitFor(() => records().find((r) => r.taskId === id && r.event === 'task-removed'), { what: 'removed' });
  const steps = records().filter((r) => r.taskId === id).map((r) => `${r.event} ${r.state?.after ?? ''}`);
  t.deepEqual(steps, ['task-added TASK_STARTING', 'task-updated TASK_RUNNING', 'task-updated TASK_KILLING', 'task-removed ']);
});

test('Marathon answering 5xx or garbage, then unreachable: the state is untouched, and a resync recovers', async (t) => {
  const sim = await cluster(t);
  const { cli, records } = await agent(t, sim);
  const count = () => records().length;
  const before = count();

  // A reconnect forces a resync; with REST broken it must fail and change nothing.
  sim.setFaults({ status: 500 });
  sim.dropStreams();
  await cli.line(/full sync failed: .*HTTP 500.*keeping the last good state/, { stream: 'err' });
  sim.setFaults({ garbage: true });
  await cli.line(/full sync failed: .*not JSON/, { stream: 'err' });
  const port = sim.port;
  await sim.stop();
  await cli.line(/event stream from .* lost/, { stream: 'err' });
  t.is(count(), before, 'nothing was logged as changed');

  // While Marathon is away, the cluster changes.
  sim.clearFaults();
  await sim.deleteApp('/staging/web/frontend');
  await sim.listen(port);
  await waitFor(() => records().filter((r) => r.event === 'task-removed').length === 2, { what: 'the resync' });
  t.is(records().find((r) => r.event === 'app-removed')?.appId, '/staging/web/frontend');
  t.is(records().filter((r) => r.event.endsWith('removed')).length, 3, 'only what really changed');
});

test('a dropped stream is reconnected and the changes missed meanwhile are picked up by the resync', async (t) => {
  const sim = await cluster(t);
  const { records } = await agent(t, sim);
  sim.setFaults({ eventsStatus: 503 });
  sim.dropStreams();
  await sim.scaleApp('/developer/trapni/worker', 3, [{ host: '127.0.0.1', ports: [32100, 32101] }]);
  t.is(records().filter((r) => r.event === 'task-added').length, 0, 'no event reached the agent');
  sim.clearFaults();
  await waitFor(() => records().some((r) => r.event === 'task-added' && r.ports?.[0] === 32100), { what: 'the resync' });
  t.true(records().some((r) => r.event === 'app-updated' && r.appId === '/developer/trapni/worker'));
});

test('a dead stream (no heartbeats) is dropped and reconnected', async (t) => {
  const sim = await MarathonSimulator.start({ heartbeatInterval: 200 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const s = await scratch(t);
  const config = await s.write('c.yaml', `marathon: { endpoints: [${sim.url}], streamTimeout: 1 }\nplugins: [logger]\n`);
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(/event stream connected/, { stream: 'err' });
  sim.setFaults({ silentStream: true });
  await cli.line(/no data for 1 s/, { stream: 'err' });
  sim.clearFaults();
  await waitFor(() => cli.err.filter((l) => /event stream connected/.test(l)).length >= 2, { what: 'the reconnect' });
  t.pass();
});

test('SIGTERM stops cleanly (exit 0); the state file is written', async (t) => {
  const sim = await cluster(t);
  const { cli, s } = await agent(t, sim);
  const { code } = await cli.stop('SIGTERM');
  t.is(code, 0);
  t.true(cli.err.some((l) => /SIGTERM: stopping/.test(l)));
  const state = JSON.parse(await readFile(join(s.dir, 'data', 'state.json'), 'utf8')) as { apps: unknown[]; mmsd: { endpoints: string[] } };
  t.is(state.apps.length, 6);
  t.deepEqual(state.mmsd.endpoints, [sim.url]);
});

test('a restart while Marathon is down starts from the saved state', async (t) => {
  const sim = await cluster(t);
  const first = await agent(t, sim);
  await first.cli.stop('SIGTERM');
  await sim.stop();
  const cli = startCli(['run', '--config', first.config], { env: first.s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  const line = await cli.line(/"event":"snapshot"/);
  t.like(JSON.parse(line), { apps: 6, services: 7, source: 'saved state' });
  t.true(cli.err.some((l) => /Marathon is unreachable; starting from the state saved at/.test(l)));
});

test('SIGHUP reloads the config; a bad config is refused and the running one kept', async (t) => {
  const sim = await cluster(t);
  const { cli, s, records } = await agent(t, sim);
  await s.write('mmsd.yaml', `marathon:\n  endpoints: [${sim.url}]\ngroups: [production]\nplugins:\n  - [logger, { format: json }]\n`);
  cli.child.kill('SIGHUP');
  await cli.line(/configuration reloaded: plugins logger/, { stream: 'err' });
  const snapshots = records().filter((r) => r.event === 'snapshot');
  t.like(snapshots.at(-1), { services: 2 }, 'the new groups apply');
  await s.write('mmsd.yaml', 'marathon: { endpoints: 42 }\n');
  cli.child.kill('SIGHUP');
  await cli.line(/config reload refused, keeping the running configuration: .*marathon.endpoints/, { stream: 'err' });
  t.is(cli.child.exitCode, null, 'still running');
});

test('run --once: one sync, the handlers apply it, exit 0', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const cli = startCli(['run', '--once', `--marathon=${sim.url}`], { env: s.env });
  const { code } = await cli.exited;
  t.is(code, 0);
  t.true(cli.out.some((l) => /snapshot: 6 apps, 7 services exposed/.test(l)));
});

test('the seed usage: mmsd --marathon-host --marathon-port (no command) is mmsd run', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const cli = startCli([`--marathon-host=127.0.0.1`, `--marathon-port=${sim.port}`], { env: s.env, cwd: s.dir });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(/snapshot: 6 apps/);
  await cli.line(/only logging changes: no handler is enabled\. Enable one with --upstream-confd=PATH/, { stream: 'err' });
  await cli.line(new RegExp(`mmsd:cli:info no config file \\(no --config, none found from ${s.dir} upwards, in ${s.dir}/xdg/mmsd or in ${s.dir}/etc\\): flags, environment variables and defaults only$`), { stream: 'err' });
  t.pass();
});

test('a config file without plugins: mmsd says that nothing is logged or written, not that it only logs', async (t) => {
  const sim = await cluster(t);
  const s = await scratch(t);
  const config = await s.write('mmsd.yaml', `marathon: { endpoints: [${sim.url}] }\nplugins: []\n`);
  const cli = startCli(['run', '--once', '--config', config], { env: s.env });
  const { code } = await cli.exited;
  t.is(code, 0, cli.err.join('\n'));
  const warning = cli.err.find((l) => /mmsd:cli:warn no plugin is loaded/.test(l));
  t.truthy(warning, cli.err.join('\n'));
  t.regex(warning!, new RegExp(`nothing is logged or written: ${config} lists no plugins\\. Enable handlers with --upstream-confd=PATH, --haproxy-bin=PATH or --haproxy-pidfile=PATH, or list plugins under "plugins" in ${config}`));
  t.false(cli.err.some((l) => /only logging changes/.test(l)));
});

test('without a Marathon, mmsd runs against the embedded simulator and says so', async (t) => {
  const s = await scratch(t);
  const cli = startCli([], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(/using the embedded Marathon simulator at http:\/\/127\.0\.0\.1:\d+ with 6 sample apps/, { stream: 'err' });
  await cli.line(/snapshot: 6 apps, 7 services exposed/);
  const { code } = await cli.stop('SIGINT');
  t.is(code, 0);
});
