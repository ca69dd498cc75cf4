import test from 'ava';
import { MarathonSimulator, sampleApps } from '@mmsd/marathon-sim';
import { MarathonClient } from '../src/marathon/client.js';

async function sim(options: ConstructorParameters<typeof MarathonSimulator>[0] = {}) {
  const s = await MarathonSimulator.start(options);
  s.loadApps(sampleApps());
  return s;
}

test('getApps: every app with its tasks', async (t) => {
  const s = await sim();
  t.teardown(() => s.close());
  const apps = await new MarathonClient({ endpoints: [s.url] }).getApps();
  t.is(apps.length, 6);
  t.is(apps.find((a) => a.id === '/developer/trapni/php')?.tasks?.length, 2);
  t.deepEqual(s.requests.map((r) => r.path), ['/v2/apps?embed=apps.tasks']);
});

test('getApp: one app; a 404 from Marathon means gone, a 404 from something else is an error', async (t) => {
  const s = await sim();
  t.teardown(() => s.close());
  const client = new MarathonClient({ endpoints: [s.url] });
  t.is((await client.getApp('/production/redis/master'))?.id, '/production/redis/master');
  t.is(s.requests.at(-1)?.path, '/v2/apps/production/redis/master?embed=app.tasks');
  t.is(await client.getApp('/does/not/exist'), undefined);
  s.setFaults({ proxyTo: 'http://127.0.0.1:1' });
  await t.throwsAsync(client.getApp('/x'));
});

test('endpoints are tried in turn and the one that answered is kept', async (t) => {
  const down = await sim();
  const up = await sim();
  t.teardown(async () => {
    await down.close();
    await up.close();
  });
  down.setFaults({ down: true });
  const client = new MarathonClient({ endpoints: [down.url, up.url], timeout: 2000 });
  t.is((await client.getApps()).length, 6);
  t.is(client.endpoint, up.url);
  await client.getApps();
  t.is(up.requestCount('/v2/apps'), 2, 'the second request goes straight to the endpoint that answered');
});

for (const [fault, faults, pattern] of [
  ['5xx', { status: 503 }, /HTTP 503/],
  ['garbage', { garbage: true }, /not JSON/],
  ['a truncated body', { truncate: true }, /not JSON/],
  ['a slow answer', { slow: 1500 }, /no complete answer within 300 ms/],
] as const) {
  test(`${fault} is an error, never an empty list`, async (t) => {
    const s = await sim();
    t.teardown(() => s.close());
    s.setFaults(faults);
    const error = await t.throwsAsync(new MarathonClient({ endpoints: [s.url], timeout: 300 }).getApps());
    t.regex(error!.message, pattern);
    t.regex((error as { code?: string }).code!, /EMMSD_MARATHON_(UNAVAILABLE|BAD_RESPONSE)/);
  });
}

test('an answer without an apps list is refused', async (t) => {
  const s = await sim();
  t.teardown(() => s.close());
  const fetchInfo: typeof fetch = (input, init) => fetch(String(input).replace('/v2/apps?embed=apps.tasks', '/v2/info'), init);
  const error = await t.throwsAsync(new MarathonClient({ endpoints: [s.url], fetch: fetchInfo }).getApps());
  t.regex(error!.message, /no "apps" list/);
});

test('basic auth, from the config or from the URL, and DC/OS tokens', async (t) => {
  const basic = await sim({ auth: { basic: 'user:secret' } });
  const token = await sim({ auth: { token: 'jwt-abc' } });
  t.teardown(async () => {
    await basic.close();
    await token.close();
  });
  await t.throwsAsync(new MarathonClient({ endpoints: [basic.url] }).getApps(), { message: /HTTP 401/ });
  t.is((await new MarathonClient({ endpoints: [basic.url], auth: { basic: 'user:secret' } }).getApps()).length, 6);
  t.is((await new MarathonClient({ endpoints: [basic.url.replace('http://', 'http://user:secret@')] }).getApps()).length, 6);
  t.is((await new MarathonClient({ endpoints: [token.url], auth: { token: 'jwt-abc' } }).getApps()).length, 6);
});

test('a redirect is followed with the credentials kept', async (t) => {
  const leader = await sim({ auth: { basic: 'u:p' } });
  t.teardown(() => leader.close());
  const redirecting: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url.startsWith('http://standby.invalid')) {
      return new Response(null, { status: 307, headers: { Location: url.replace('http://standby.invalid', leader.url) } });
    }
    return fetch(input, init);
  };
  const apps = await new MarathonClient({ endpoints: ['http://standby.invalid'], auth: { basic: 'u:p' }, fetch: redirecting }).getApps();
  t.is(apps.length, 6);
});

test('order random: each client tries the endpoints in an order of its own, all of them', (t) => {
  const endpoints = ['http://relay-a:8080', 'http://relay-b:8080', 'http://relay-c:8080'];
  const firsts = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const client = new MarathonClient({ endpoints, order: 'random' });
    t.deepEqual(client.endpoints.map((e) => e.url).sort(), endpoints);
    firsts.add(client.endpoint);
  }
  t.is(firsts.size, 3, 'agents spread over the relays (60 clients, each relay first for some)');
  t.is(new MarathonClient({ endpoints }).endpoint, endpoints[0]!, 'given: in the order listed');
});
