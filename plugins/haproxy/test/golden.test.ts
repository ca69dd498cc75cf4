import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MarathonApp } from '@mmsd/core';
import { buildView, compileTemplate } from '../src/index.js';
import { haproxyCheck, optionsDefaults, snapshotOf } from './support.js';
import { fixture } from '../../../test/helpers/paths.js';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const AGENTS = {
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
};

async function apps(file: string): Promise<MarathonApp[]> {
  const path = file.startsWith('./') ? new URL(file, import.meta.url).pathname : fixture(file);
  return (JSON.parse(await readFile(path, 'utf8')) as { apps: MarathonApp[] }).apps;
}

const CASES: { name: string; fixture: string; groups?: string[]; options?: Record<string, unknown> }[] = [
  { name: 'marathon-1.10', fixture: 'apps-embed-tasks.json' },
  { name: 'marathon-1.10-production', fixture: 'apps-embed-tasks.json', groups: ['production'] },
  { name: 'marathon-1.4', fixture: 'apps-embed-tasks.v1.4.json' },
  { name: 'marathon-1.5-marathon-lb', fixture: 'upstream/marathon-lb/marathon15_apps.json' },
  { name: 'labels-and-protos', fixture: './fixtures/labels.json' },
  { name: 'marathon-lb-labels', fixture: './fixtures/marathon-lb-labels.json' },
  { name: 'marathon-lb-labels-external', fixture: './fixtures/marathon-lb-labels.json', groups: ['external'] },
  {
    name: 'labels-no-gateways-no-stats-no-checks',
    fixture: './fixtures/labels.json',
    options: { gateway: { http: 0, https: 0 }, statsPort: 0, checks: false, bind: '127.0.0.1' },
  },
];

const render = compileTemplate();

for (const c of CASES) {
  test(`golden: ${c.fixture}${c.groups ? ` (groups ${c.groups})` : ''}${c.options ? ' (options)' : ''} → test/golden/${c.name}.cfg, accepted by haproxy -c`, async (t) => {
    const view = buildView(snapshotOf(await apps(c.fixture), c.groups, AGENTS), optionsDefaults(c.options));
    const text = render(view);
    const file = join(GOLDEN, `${c.name}.cfg`);
    if (UPDATE) {
      await mkdir(GOLDEN, { recursive: true });
      await writeFile(file, text);
    }
    t.true(existsSync(file), `${file} is missing (UPDATE_GOLDEN=1 writes it)`);
    t.is(text, await readFile(file, 'utf8'));
    const check = haproxyCheck(text);
    t.true(check.ok, check.output);
  });
}

test('the same state renders the same bytes', async (t) => {
  const list = await apps('./fixtures/labels.json');
  const a = render(buildView(snapshotOf(list), optionsDefaults()));
  const b = render(buildView(snapshotOf([...list].reverse()), optionsDefaults()));
  t.is(a, b);
});

test('what the labels fixture shows: each proto, gateways, PROXY protocol, conflicts, skips', async (t) => {
  const view = buildView(snapshotOf(await apps('./fixtures/labels.json')), optionsDefaults());
  const byName = new Map(view.services.map((s) => [s.name, s]));
  t.deepEqual(
    [...byName.values()].map((s) => [s.name, s.mode, s.check.kind]),
    [
      ['db.redis', 'tcp', 'redis'],
      ['db.redis_1', 'tcp', 'redis-master'],
      ['db.redis_2', 'tcp', 'redis-slave'],
      ['dup.vhost', 'http', 'http'],
      ['mail.smtp', 'tcp', 'smtp'],
      ['plain.tcp', 'tcp', 'tcp'],
      ['suspended.app', 'tcp', 'tcp'],
      ['web.site', 'http', 'http'],
      ['web.tls', 'tcp', 'tcp'],
    ],
  );
  t.deepEqual(byName.get('web.site')!.servers.map((s) => [s.address, s.state, s.line.endsWith('disabled')]), [
    ['10.0.0.1', 'ready', false],
    ['10.0.0.2', 'drain', true],
    ['10.0.0.3', 'maint', true],
  ]);
  t.regex(byName.get('web.site')!.servers[0]!.line, / check inter 5000 fastinter 250 downinter 250 send-proxy-v2$/);
  t.regex(byName.get('mail.smtp')!.servers[0]!.line, / check fastinter 250 downinter 250 send-proxy$/);
  t.deepEqual(byName.get('plain.tcp')!.unresolved, ['unresolved.example.internal:31009']);
  t.deepEqual(view.gateways.http!.exact, [{ backend: 'dup.vhost', hosts: ['dup.example.com', 'www.example.com'] }]);
  t.deepEqual(view.gateways.http!.wildcard, [{ match: '.example.org', backend: 'web.site' }]);
  t.is(view.gateways.http!.defaultBackend, 'web.site');
  t.deepEqual(view.gateways.https!.exact, [{ backend: 'web.tls', hosts: ['secure.example.com'] }]);
  t.is(view.gateways.https!.defaultBackend, 'web.tls');
  t.deepEqual(view.skipped, [
    { name: 'port.clash', reason: 'port 8081 is already bound by mmsd_stats' },
    { name: 'udp.dns', reason: 'udp: HAProxy balances TCP only' },
  ]);
  t.true(view.warnings.some((w) => /vhost www.example.com of web.site is already served by dup.vhost/.test(w)));
  t.false(view.services.some((s) => s.name === 'bad.labels'), 'a malformed label keeps the service out');
});

test('an unusable health check path is replaced by / with a warning', async (t) => {
  const list = await apps('./fixtures/labels.json');
  const site = list.find((a) => a.id === '/web/site')!;
  site.healthChecks![0]!.path = '/x y#z';
  const view = buildView(snapshotOf(list), optionsDefaults());
  t.regex(view.services.find((s) => s.name === 'web.site')!.check.lines[0]!, /^option httpchk GET \/ HTTP\/1\.1$/);
  t.true(view.warnings.some((w) => /cannot be used in HAProxy/.test(w)));
});
