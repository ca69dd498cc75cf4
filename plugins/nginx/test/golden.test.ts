import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MarathonApp } from '@mmsd/core';
import { buildView, compileTemplate } from '../src/index.js';
import { nginxCheck, nginxOptions, snapshotOf } from './support.js';
import { fixture } from '../../../test/helpers/paths.js';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const AGENTS = {
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
};
const STREAM = existsSync('/usr/lib/nginx/modules/ngx_stream_module.so');

async function apps(file: string): Promise<MarathonApp[]> {
  const path = file.startsWith('./') ? new URL(file, import.meta.url).pathname : fixture(file);
  return (JSON.parse(await readFile(path, 'utf8')) as { apps: MarathonApp[] }).apps;
}

const CASES: { name: string; fixture: string; groups?: string[]; stream: boolean; lua?: boolean; options?: Record<string, unknown> }[] = [
  { name: 'marathon-1.10', fixture: 'apps-embed-tasks.json', stream: false },
  { name: 'marathon-1.10-stream', fixture: 'apps-embed-tasks.json', stream: true },
  { name: 'marathon-1.10-lua', fixture: 'apps-embed-tasks.json', stream: true, lua: true },
  { name: 'labels-and-protos-lua', fixture: './fixtures/labels.json', stream: true, lua: true },
  { name: 'marathon-1.10-production', fixture: 'apps-embed-tasks.json', groups: ['production'], stream: true },
  { name: 'marathon-1.4', fixture: 'apps-embed-tasks.v1.4.json', stream: true },
  { name: 'marathon-1.5-marathon-lb', fixture: 'upstream/marathon-lb/marathon15_apps.json', stream: true },
  { name: 'labels-and-protos', fixture: './fixtures/labels.json', stream: true },
  { name: 'labels-no-gateways', fixture: './fixtures/labels.json', stream: true, options: { gateway: { http: 0, https: 0 }, bind: '127.0.0.1' } },
];

const render = compileTemplate();

for (const c of CASES) {
  test(`golden: ${c.fixture}${c.groups ? ` (groups ${c.groups})` : ''}${c.stream ? ', stream module' : ''}${c.lua ? ', Lua' : ''}${c.options ? ' (options)' : ''} → test/golden/${c.name}.conf, accepted by nginx -t`, async (t) => {
    const snapshot = snapshotOf(await apps(c.fixture), c.groups, AGENTS);
    const text = render(buildView(snapshot, nginxOptions(c.options), c.stream, c.lua));
    const file = join(GOLDEN, `${c.name}.conf`);
    if (UPDATE) {
      await mkdir(GOLDEN, { recursive: true });
      await writeFile(file, text);
    }
    t.true(existsSync(file), `${file} is missing (UPDATE_GOLDEN=1 writes it)`);
    t.is(text, await readFile(file, 'utf8'));
    if (c.stream && !STREAM) {
      t.log('nginx has no stream module here (Debian: libnginx-mod-stream): nginx -t of the stream part skipped');
      return;
    }
    const check = nginxCheck((files) => render(buildView(snapshot, nginxOptions({ ...c.options, ...files }), c.stream, c.lua)));
    t.true(check.ok, check.output);
  });
}

test('the same state renders the same bytes', async (t) => {
  const list = await apps('./fixtures/labels.json');
  const a = render(buildView(snapshotOf(list), nginxOptions(), true));
  const b = render(buildView(snapshotOf([...list].reverse()), nginxOptions(), true));
  t.is(a, b);
});

test('without the stream module, TCP services are left out with a reason that names the module', async (t) => {
  const view = buildView(snapshotOf(await apps('apps-embed-tasks.json'), ['*'], AGENTS), nginxOptions(), false);
  t.is(view.tcp.length, 0);
  t.true(view.skipped.some((s) => /stream module/.test(s.reason) && /libnginx-mod-stream/.test(s.reason)));
  t.true(view.http.length > 0);
});
