// The relay end to end: the real CLI as a relay in front of the simulator, agents behind it.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MarathonSimulator, SAMPLE_AGENTS, sampleApps } from '@mmsd/marathon-sim';
import { runCli, startCli } from './helpers/cli.js';
import { scratch } from './helpers/env.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

const HOSTS = `dns: { hosts: ${JSON.stringify(SAMPLE_AGENTS)} }\n`;

async function cluster(t: ExecutionContext) {
  const sim = await MarathonSimulator.start({ heartbeatInterval: 1000 });
  sim.loadApps(sampleApps());
  t.teardown(() => sim.close());
  return sim;
}

async function relay(t: ExecutionContext, upstream: string, extra: Record<string, unknown> = {}) {
  const s = await scratch(t);
  const port = await freePort();
  const config = await s.write(
    'relay.yaml',
    `marathon: { endpoints: [${upstream}], streamTimeout: 5 }\nstateFile: false\n${HOSTS}plugins:\n  - [relay, ${JSON.stringify({ port, ...extra })}]\n`,
  );
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/v2/apps`).catch(() => undefined))?.status === 200, { what: () => `the relay on ${url}: ${cli.err.slice(-5).join('\n')}` });
  return { url, port, cli };
}

/** An agent writing upstream files from `endpoint` (Marathon or a relay). */
async function agent(t: ExecutionContext, endpoint: string) {
  const s = await scratch(t);
  const dir = join(s.dir, 'confd');
  const config = await s.write('agent.yaml', `marathon: { endpoints: [${endpoint}], streamTimeout: 5 }\nstateFile: false\n${HOSTS}plugins:\n  - [upstream-confd, { dir: ${dir} }]\n`);
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  await cli.line(/event stream connected/, { stream: 'err' });
  return { dir, cli };
}

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) if (name.endsWith('.instances')) out[name] = await readFile(join(dir, name), 'utf8');
  return out;
}

test('an agent behind a relay writes exactly what an agent at Marathon writes, through a run of changes', async (t) => {
  const sim = await cluster(t);
  const r = await relay(t, sim.url);
  const direct = await agent(t, sim.url);
  const relayed = await agent(t, r.url);
  let last = '';
  /** Waits until the direct agent's files changed from the last step and the relayed agent's equal them. */
  const same = async (what: string, holds: (files: Record<string, string>) => boolean = () => true) => {
    let a: Record<string, string> = {};
    let b: Record<string, string> = {};
    await waitFor(
      async () => {
        [a, b] = await Promise.all([files(direct.dir), files(relayed.dir)]);
        return Object.keys(a).length > 0 && JSON.stringify(a) !== last && holds(a) && JSON.stringify(a) === JSON.stringify(b);
      },
      { what: () => `${what}: the same files (direct ${JSON.stringify(a)}, relayed ${JSON.stringify(b)})` },
    );
    last = JSON.stringify(a);
    return a;
  };
  const first = await same('the first sync');
  t.true(Object.keys(first).length >= 3);
  // What `render` prints (every handler's files: the HAProxy config too) is byte-identical.
  const rendered = async (endpoint: string) => {
    const s = await scratch(t);
    const config = await s.write('render.yaml', `marathon: { endpoints: [${endpoint}] }\nstateFile: false\n${HOSTS}plugins:\n  - [upstream-confd, { dir: /var/run/mmsd/confd }]\n  - [haproxy, {}]\n`);
    const { code, stdout, stderr } = await runCli(['render', '--config', config], { env: s.env });
    t.is(code, 0, stderr);
    return stdout;
  };
  const [atMarathon, atRelay] = await Promise.all([rendered(sim.url), rendered(r.url)]);
  t.regex(atMarathon, /==> \/var\/run\/mmsd\/haproxy\.cfg \(haproxy\) <==/);
  t.is(atRelay, atMarathon);
  // Marathon sees the relay's stream and the direct agent's, not the relayed agent's.
  t.is(sim.hub.size, 2);

  const php = sim.tasks('/developer/trapni/php');
  await sim.setHealth(php[0]!.id, !(php[0]!.healthCheckResults as { alive: boolean }[] | undefined)?.[0]?.alive);
  const afterHealth = await same('a health flip');
  t.notDeepEqual(afterHealth, first);
  await sim.killTask(php[1]!.id);
  await same('a kill and its replacement');
  await sim.scaleApp('/developer/trapni/php', 4);
  const lines = (f: Record<string, string>) => (f['developer.trapni.php.instances'] ?? '').trim().split('\n\n')[1]?.split('\n').length ?? 0;
  const scaled = await same('a scale up', (f) => lines(f) > lines(afterHealth));
  t.not(scaled['developer.trapni.php.instances'], afterHealth['developer.trapni.php.instances']);
  await sim.createApp({ id: '/brand/new', instances: 2, portDefinitions: [{ port: 10555 }], labels: {} });
  const created = await same('a new app', (f) => f['brand.new.instances'] !== undefined);
  t.regex(created['brand.new.instances']!, /Service-Port: 10555/);
  await sim.deleteApp('/brand/new');
  const deleted = await same('a deleted app', (f) => f['brand.new.instances'] === undefined);
  t.falsy(deleted['brand.new.instances']);
});

test('a relay answers 503 until it has synced, never an empty list; it serves Marathon\'s read API and event framing', async (t) => {
  const sim = await cluster(t);
  sim.setFaults({ status: 503 });
  const s = await scratch(t);
  const port = await freePort();
  const config = await s.write('relay.yaml', `marathon: { endpoints: [${sim.url}], streamTimeout: 5 }\nstateFile: false\nplugins:\n  - [relay, { port: ${port}, auth: { basic: "ops:secret" } }]\n`);
  const cli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => cli.stop('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const auth = { Authorization: `Basic ${Buffer.from('ops:secret').toString('base64')}` };
  await waitFor(async () => (await fetch(`${url}/ping`, { headers: auth }).catch(() => undefined))?.ok, { what: 'the relay to listen' });
  t.is((await fetch(`${url}/v2/apps`)).status, 401, 'auth is required');
  const before = await fetch(`${url}/v2/apps?embed=apps.tasks`, { headers: auth });
  t.is(before.status, 503);
  t.regex(await before.text(), /not synced/);
  t.false(((await (await fetch(`${url}/v2/info`, { headers: auth })).json()) as { relay: { synced: boolean } }).relay.synced);
  sim.clearFaults();
  const answer = await waitFor(async () => {
    const response = await fetch(`${url}/v2/apps?embed=apps.tasks&embed=apps.counts`, { headers: auth });
    return response.status === 200 ? ((await response.json()) as { apps: { id: string; tasks: unknown[]; tasksRunning: number }[] }) : undefined;
  }, { timeout: 60_000, what: 'the relay to sync' });
  t.is(answer.apps.length, sampleApps().apps.length);
  const php = answer.apps.find((a) => a.id === '/developer/trapni/php')!;
  t.is(php.tasks.length, php.tasksRunning);
  const one = await fetch(`${url}/v2/apps/developer/trapni/php?embed=app.tasks`, { headers: auth });
  t.is(((await one.json()) as { app: { id: string } }).app.id, '/developer/trapni/php');
  const missing = await fetch(`${url}/v2/apps/no/such?embed=app.tasks`, { headers: auth });
  t.is(missing.status, 404);
  t.regex(await missing.text(), /does not exist/);
  t.true((((await (await fetch(`${url}/v2/tasks`, { headers: auth })).json()) as { tasks: unknown[] }).tasks.length) > 0);
  t.is((await fetch(`${url}/v2/events`, { headers: { ...auth, Accept: 'text/event-stream, */*' } })).status, 405, 'Accept is compared exactly, as Jetty does');
  t.is((await fetch(`${url}/v2/apps`, { method: 'POST', headers: auth, body: '{}' })).status, 405, 'a relay only reads');

  // The event stream: attach first, then Marathon's frames, forwarded in order.
  const stream = await fetch(`${url}/v2/events`, { headers: { ...auth, Accept: 'text/event-stream' } });
  t.is(stream.headers.get('content-type'), 'text/event-stream;charset=utf-8');
  let text = '';
  const reader = stream.body!.getReader();
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += Buffer.from(value).toString('utf8');
    }
  })().catch(() => {});
  await waitFor(() => text.includes('event_stream_attached'), { what: 'the attach event' });
  await sim.setHealth(sim.tasks('/developer/trapni/php')[0]!.id, false);
  await waitFor(() => text.includes('health_status_changed_event'), { what: () => `the health event on the relay's stream: ${text}` });
  t.regex(text, /^event: event_stream_attached\r\ndata: \{.*\}\r\n\r\n/);
  const frames = text.split('\r\n\r\n').filter(Boolean).map((f) => f.replace(/^\r\n/, ''));
  for (const frame of frames) t.regex(frame, /^event: [a-z_]+\r\ndata: \{[^\r\n]*\}$/);
  const types = frames.map((f) => /^event: (\S+)/.exec(f)![1]);
  t.true(types.indexOf('failed_health_check_event') < types.indexOf('health_status_changed_event'), types.join(' '));
  await reader.cancel();
  await reading;
});

async function readers(url: string): Promise<number> {
  const info = (await (await fetch(`${url}/v2/info`, { signal: AbortSignal.timeout(1000) })).json()) as { relay: { readers: number } };
  return info.relay.readers;
}

async function fileStats(dir: string): Promise<string> {
  const { stat } = await import('node:fs/promises');
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const s = await stat(join(dir, name));
    out.push(`${name} ${s.ino} ${s.mtimeMs} ${await readFile(join(dir, name), 'utf8')}`);
  }
  return out.join('\n');
}

test('two relays: a hung relay is left for the other within 15 s, a Marathon restart behind the relays changes no file', async (t) => {
  const sim = await cluster(t);
  const a = await relay(t, sim.url);
  const b = await relay(t, sim.url);
  const s = await scratch(t);
  const dir = join(s.dir, 'confd');
  const config = await s.write('agent.yaml', `marathon: { endpoints: [${a.url}, ${b.url}], streamTimeout: 5 }\nstateFile: false\n${HOSTS}plugins:\n  - [upstream-confd, { dir: ${dir} }]\n`);
  const agentCli = startCli(['run', '--config', config], { env: s.env });
  t.teardown(() => agentCli.stop('SIGKILL'));
  await waitFor(async () => Object.keys(await files(dir)).length >= 3, { what: 'the agent\'s files' });
  // Marathon sees the two relays' streams only.
  t.is(sim.hub.size, 2);
  const [used, other] = (await readers(a.url)) === 1 ? [a, b] : [b, a];
  await waitFor(async () => (await readers(used.url)) === 1, { what: 'the agent on one relay' });
  const before = await fileStats(dir);

  // Hung, not dead: its connections stay open and say nothing.
  used.cli.child.kill('SIGSTOP');
  t.teardown(() => used.cli.child.kill('SIGCONT'));
  const hungAt = Date.now();
  await waitFor(async () => (await readers(other.url)) === 1, { timeout: 15_000, what: 'the agent to move to the other relay' });
  const moved = Date.now() - hungAt;
  t.true(moved < 15_000, `moved after ${moved} ms`);
  await agentCli.line(/event stream connected/, { stream: 'err', after: 1 });
  t.is(await fileStats(dir), before, 'no file was rewritten while it moved');

  // Changes still arrive, through the other relay.
  const php = sim.tasks('/developer/trapni/php');
  const content = (await files(dir))['developer.trapni.php.instances'];
  await sim.setHealth(php[0]!.id, !(php[0]!.healthCheckResults as { alive: boolean }[] | undefined)?.[0]?.alive);
  await waitFor(async () => (await files(dir))['developer.trapni.php.instances'] !== content, { what: 'the change through the other relay' });
  const changed = await fileStats(dir);

  // Marathon restarts behind the relays: they keep serving their state; nothing is rewritten.
  const lines = other.cli.err.length;
  sim.setFaults({ down: true });
  // Down until the relay has noticed (its stream lost, its reconnect refused).
  await other.cli.line(/event stream from .* lost/, { stream: 'err', after: lines });
  t.is((await fetch(`${other.url}/v2/apps`)).status, 200, 'the relay serves its last state while Marathon is down');
  sim.clearFaults();
  await waitFor(() => sim.hub.size >= 1, { timeout: 20_000, what: 'the relay to reconnect to Marathon' });
  t.is((await fetch(`${other.url}/v2/apps`)).status, 200, 'the relay served throughout');
  t.is(await fileStats(dir), changed, 'a Marathon restart behind the relays changes no file');
});

test('relays chain: an agent behind a plain relay behind an HTTPS relay with basic auth writes what an agent at Marathon writes; a relay says when its Marathon is gone', async (t) => {
  const { execFile } = await import('node:child_process');
  const sim = await cluster(t);
  const s = await scratch(t);
  const key = join(s.dir, 'relay.key');
  const cert = join(s.dir, 'relay.crt');
  await new Promise<void>((resolve, reject) =>
    execFile('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  // The first relay syncs every second, so that it notices soon when its Marathon is gone.
  const port = await freePort();
  const config = await s.write(
    'tls-relay.yaml',
    `marathon: { endpoints: [${sim.url}], streamTimeout: 5, resyncInterval: 1, timeout: 1 }\nstateFile: false\n${HOSTS}plugins:\n  - [relay, { port: ${port}, auth: { basic: "agents:s3cret" }, tls: { cert: relay.crt, key: relay.key } }]\n`,
  );
  const env = { ...s.env, NODE_EXTRA_CA_CERTS: cert };
  const first = startCli(['run', '--config', config], { env });
  t.teardown(() => first.stop('SIGKILL'));
  const tlsUrl = `https://127.0.0.1:${port}`;
  await first.line(/serving Marathon's read API on https:/, { stream: 'err' });
  const s2 = await scratch(t);
  const port2 = await freePort();
  const second = startCli(
    ['run', '--config', await s2.write('relay.yaml', `marathon: { endpoints: [${tlsUrl}], auth: { basic: "agents:s3cret" }, streamTimeout: 5 }\nstateFile: false\n${HOSTS}plugins:\n  - [relay, { port: ${port2} }]\n`)],
    { env: { ...s2.env, NODE_EXTRA_CA_CERTS: cert } },
  );
  t.teardown(() => second.stop('SIGKILL'));
  const chained = `http://127.0.0.1:${port2}`;
  await waitFor(async () => (await fetch(`${chained}/v2/apps`).catch(() => undefined))?.status === 200, { what: () => `the chained relay: ${second.err.slice(-5).join('\n')}` });
  const direct = await agent(t, sim.url);
  const behind = await agent(t, chained);
  await waitFor(async () => {
    const [a, b] = await Promise.all([files(direct.dir), files(behind.dir)]);
    return Object.keys(a).length >= 3 && JSON.stringify(a) === JSON.stringify(b);
  }, { what: 'the same files through two relays' });
  const php = sim.tasks('/developer/trapni/php');
  const before = await files(behind.dir);
  await sim.setHealth(php[0]!.id, !(php[0]!.healthCheckResults as { alive: boolean }[] | undefined)?.[0]?.alive);
  await waitFor(async () => {
    const [a, b] = await Promise.all([files(direct.dir), files(behind.dir)]);
    return JSON.stringify(b) !== JSON.stringify(before) && JSON.stringify(a) === JSON.stringify(b);
  }, { what: 'a change through two relays' });
  t.is(sim.hub.size, 2, 'Marathon sees the first relay and the direct agent only');

  // Its Marathon gone, the first relay keeps serving and says so.
  const auth = { Authorization: `Basic ${Buffer.from('agents:s3cret').toString('base64')}` };
  const info = async () => {
    const { request } = await import('node:https');
    return new Promise<{ relay: { upstreamReachable: boolean; synced: boolean } }>((resolve, reject) => {
      request(`${tlsUrl}/v2/info`, { headers: auth, ca: readFileSync(cert) }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () => resolve(JSON.parse(body) as never));
      })
        .on('error', reject)
        .end();
    });
  };
  t.true((await info()).relay.upstreamReachable);
  sim.setFaults({ down: true });
  await waitFor(async () => (await info()).relay.upstreamReachable === false, { timeout: 20_000, what: 'the relay to say its Marathon is unreachable' });
  t.true((await info()).relay.synced, 'it still serves its last state');
  t.deepEqual(await files(behind.dir), await files(direct.dir));
});
