// What an operator looks at: /health and `mmsd status` (a state, its age, handlers, problems),
// and the log formats (JSON lines; under systemd, priorities without colours or timestamps).
import test from 'ava';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { runCli, startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

interface Health {
  status: string;
  reasons: string[];
  stateAge: number | null;
  marathon: { streamConnected: boolean };
  services: number;
  excluded: { name: string; reason: string }[];
  handlers: { plugin: string; state: string; reason?: string; failuresInARow: number }[];
  lastProblems: { level: string; component: string; message: string }[];
}

async function health(port: number): Promise<{ code: number; body: Health }> {
  const answer = await fetch(`http://127.0.0.1:${port}/health`);
  return { code: answer.status, body: (await answer.json()) as Health };
}

// A handler that says it is failing while the label `fail-me` is on some app, and one whose
// onSnapshot throws once an app named /broken exists.
const PLUGINS = {
  'reporter.mjs': `export default { name: 'reporter', apply(hooks, ctx) {
  hooks.onSnapshot.tap((snapshot) => {
    const bad = [...snapshot.apps.values()].some((app) => app.labels['fail-me']);
    if (bad) ctx.health.failing('an app asks me to fail'); else ctx.health.ok();
  });
} };\n`,
  'thrower.mjs': `export default { name: 'thrower', apply(hooks) {
  hooks.onSnapshot.tap((snapshot) => { if (snapshot.apps.has('/broken')) throw new Error('cannot handle /broken'); });
} };\n`,
};

test('/health and mmsd status: ok once synced; a failing handler and a Marathon outage make it unhealthy, with reasons; ok again after', async (t) => {
  const sim = await MarathonSimulator.start({ agents: ['127.0.0.1'], heartbeatInterval: 1000 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  const s = await scratch(t);
  for (const [name, text] of Object.entries(PLUGINS)) await s.write(name, text);
  const port = await freePort();
  const config = await s.write(
    'mmsd.yaml',
    `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\nmetrics: { port: ${port} }\nhealth: { maxStateAge: 2, handlerFailures: 2 }\nplugins: [./reporter.mjs, ./thrower.mjs]\n`,
  );
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(/health on \/health/, { stream: 'err' });
  const ok = await waitFor(async () => ((await health(port).catch(() => undefined))?.code === 200 ? health(port) : undefined), { what: 'healthy' });
  t.is(ok.body.status, 'ok');
  t.is(ok.body.stateAge, 0, 'the event stream confirms the state');
  t.true(ok.body.marathon.streamConnected);
  t.true(ok.body.services > 0);
  t.deepEqual(ok.body.handlers.map((h) => `${h.plugin} ${h.state}`), ['reporter ok', 'thrower ok']);

  const status = await runCli(['status', '--config', config], { env: s.env });
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /^mmsd \S+ at http:\/\/127\.0\.0\.1:\d+: OK, up \d+ s$/m);
  t.regex(status.stdout, /^services: +\d+ exposed, 0 excluded; backends \d+ of \d+ up$/m);
  t.regex(status.stdout, /^ {2}thrower: ok since /m);
  const json = await runCli(['status', '--config', config, '--json'], { env: s.env });
  t.is((JSON.parse(json.stdout) as Health).status, 'ok');

  // A handler's own word: failing at once; the one that throws: after 2 failures in a row.
  await sim.createApp({ id: '/flagged', instances: 0, labels: { 'fail-me': 'yes' } });
  const reported = await waitFor(async () => {
    const h = await health(port);
    return h.body.handlers.find((x) => x.plugin === 'reporter')?.state === 'failing' ? h : undefined;
  }, { what: 'the reporter failing' });
  t.is(reported.code, 503);
  t.deepEqual(reported.body.reasons, ['handler reporter is failing: an app asks me to fail']);
  await sim.createApp({ id: '/broken', instances: 0 });
  const once = await waitFor(async () => (await health(port)).body.handlers.find((x) => x.plugin === 'thrower' && x.failuresInARow === 1), { what: 'one failure' });
  t.is(once.state, 'ok', 'one failure is not a failing handler');
  await sim.createApp({ id: '/broken-too', instances: 0 });
  const thrown = await waitFor(async () => {
    const h = await health(port);
    return h.body.handlers.find((x) => x.plugin === 'thrower')?.state === 'failing' ? h : undefined;
  }, { what: 'the thrower failing' });
  t.regex(thrown.body.handlers.find((x) => x.plugin === 'thrower')!.reason!, /^\d+ failures in a row, the last: plugin "thrower" failed in onSnapshot: cannot handle \/broken/);
  t.true(thrown.body.lastProblems.some((p) => p.level === 'error' && /cannot handle \/broken/.test(p.message)), 'the error is among the last problems');
  const failing = await runCli(['status', '--config', config], { env: s.env });
  t.is(failing.code, 1, 'unhealthy: exit status 1');
  t.regex(failing.stdout, /: UNHEALTHY, up/);
  t.regex(failing.stdout, /^ {2}! handler reporter is failing: an app asks me to fail$/m);

  await sim.deleteApp('/flagged');
  await sim.deleteApp('/broken');
  await waitFor(async () => (await health(port)).body.handlers.every((h) => h.state === 'ok'), { what: 'both handlers ok again' });
  t.is((await health(port)).code, 200);

  // Marathon goes away: the state ages; past health.maxStateAge (2 s) the agent is unhealthy.
  await sim.close();
  const stale = await waitFor(async () => {
    const h = await health(port);
    return h.code === 503 ? h : undefined;
  }, { what: 'unhealthy without Marathon', timeout: 20_000 });
  t.false(stale.body.marathon.streamConnected);
  t.true((stale.body.stateAge ?? 0) > 2);
  t.regex(stale.body.reasons[0]!, /^Marathon has not confirmed the state for \d+ s \(health\.maxStateAge: 2 s\); mmsd serves the last state it knows$/);
});

test('mmsd status without an agent: exit status 3 and what to do; without metrics.port: which key to set', async (t) => {
  const s = await scratch(t);
  const port = await freePort();
  const none = await runCli(['status', '--url', `http://127.0.0.1:${port}`], { env: s.env });
  t.is(none.code, 3);
  t.regex(none.stderr, /^Error: no answer from mmsd at http:\/\/127\.0\.0\.1:\d+\/health: /m);
  t.regex(none.stderr, /^Code: EMMSD_STATUS_UNAVAILABLE$/m);
  const config = await s.write('mmsd.yaml', 'plugins: []\n');
  const off = await runCli(['status', '--config', config], { env: s.env });
  t.is(off.code, 3);
  t.regex(off.stderr, /mmsd\.yaml sets no metrics\.port, so the agent serves no \/health/);
  t.regex(off.stderr, /^Hint: set metrics: \{ port: 9273 \} in the config/m);
});

test('--log-format json: every line of mmsd is one JSON object; under systemd, text lines carry a priority and no timestamp or colour', async (t) => {
  const s = await scratch(t);
  const json = startCli(['run', '--log-format', 'json'], { env: s.env });
  t.teardown(() => json.stop('SIGKILL'));
  await json.line(/mmsd \S+: Marathon /, { stream: 'err' });
  const lines = json.err.filter((l) => l.trim() !== '');
  t.true(lines.length >= 3);
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    t.deepEqual(Object.keys(record), ['time', 'level', 'component', 'msg']);
    t.regex(record.time as string, /^\d{4}-\d\d-\d\dT/);
  }
  t.true(lines.some((l) => (JSON.parse(l) as { msg: string }).msg.startsWith('no config file')), 'the config source is logged at start');

  const journal = startCli(['run'], { env: { ...s.env, JOURNAL_STREAM: '8:12345', LOG_FORMAT: 'text' } });
  t.teardown(() => journal.stop('SIGKILL'));
  await journal.line(/mmsd \S+: Marathon /, { stream: 'err' });
  const text = journal.err.filter((l) => l.trim() !== '');
  for (const line of text) t.regex(line, /^<[2-7]>mmsd:[\w:-]+:(debug|info|warn|error|fatal) \S/, line);
  t.false(text.some((l) => /\d{4}-\d\d-\d\dT\d\d:\d\d/.test(l.slice(0, 40)) || l.includes('\u001b[')), 'no timestamp, no colour');
});
