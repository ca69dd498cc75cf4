// Hostile values in every field that reaches a handler's output (app ids, task ids, hosts,
// ports, IPs): each handler's output stays valid, nothing of the value leaks, and no other
// service changes. Labels have their own property test (plugins/haproxy/test/hostile-labels).
import test from 'ava';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isHostName, isIpLiteral } from '@mmsd/core';
import { createStaticResolver, StateStore } from '@mmsd/core/testing';
import type { MarathonApp, Snapshot } from '@mmsd/core';
import { buildView, compileTemplate } from '@mmsd/plugin-haproxy';
import { renderUpstreamFiles } from '@mmsd/plugin-upstream-confd';
import { appRecord, formatRecord, taskRecord } from '@mmsd/plugin-logger';
import { fixture } from './helpers/paths.js';
import { configSections, haproxyCheck, optionsDefaults } from '../plugins/haproxy/test/support.js';
import { buildView as nginxView, compileTemplate as nginxTemplate } from '@mmsd/plugin-nginx';
import { nginxCheck, nginxOptions } from '../plugins/nginx/test/support.js';

const AGENTS = {
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
};

const INJECTIONS = ['\n', '\nserver evil 6.6.6.6:80', '\r\n  bind :6666', ' ', ':', '"', '#', '\\', '\u0000', '\u2028', '${HOME}', '%[src]'];
const withInjection = (base: string) => fc.constantFrom(...INJECTIONS).map((i) => `${base}${i}x`);

const appId = fc.oneof(
  fc.constant('/zz/hostile'),
  fc.constantFrom('', '/', 'zz', '/ZZ', '/zz_1', '/zz//x', '/zz/', '/zz/é', '/-zz', `/zz/${'x'.repeat(5000)}`),
  withInjection('/zz/hostile'),
  fc.string({ maxLength: 20 }).map((s) => `/zz/${s}`),
);
const taskId = fc.oneof(fc.constant('zz_hostile.instance-1._app.1'), withInjection('zz_hostile.t'), fc.constantFrom('a b', 'a_b', '', 'x'.repeat(3000)));
const host = fc.oneof(
  fc.constantFrom('mesos-agent-1.dc1.example.internal', '10.0.1.99', 'fd00::99', '', 'unknown-agent.example.org'),
  withInjection('mesos-agent-2.dc1.example.internal'),
  fc.constantFrom('a b', 'a:b', '[::1]', '6.6.6.6:80', '-x', 'é.example.org', 'x'.repeat(300)),
  fc.string({ maxLength: 20 }),
);
const port = fc.oneof(
  fc.integer({ min: 1, max: 65535 }),
  fc.constantFrom(0, -1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53),
  fc.constantFrom('80', null, undefined, {}, '31000\n'),
);
const ip = fc.oneof(fc.constantFrom('10.0.2.1', 'fd00::2', '10.0.2.256', 'a b', '6.6.6.6\nserver evil', ''), fc.string({ maxLength: 10 }));

async function baseApps(): Promise<MarathonApp[]> {
  return (JSON.parse(await readFile(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
}

function snapshotOf(apps: MarathonApp[]): Snapshot {
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(AGENTS) });
  store.replaceAll(apps);
  return store.publish()!.snapshot;
}

interface Hostile {
  id: string;
  container: boolean;
  tasks: { id: string; host: unknown; ports: unknown[]; ip: string }[];
}

function hostileApp(h: Hostile): MarathonApp {
  return {
    id: h.id,
    instances: h.tasks.length,
    ...(h.container
      ? { networks: [{ mode: 'container', name: 'dcos' }], container: { type: 'DOCKER', portMappings: [{ containerPort: 8080, servicePort: 10999 }] } }
      : { networks: [{ mode: 'host' }], portDefinitions: [{ port: 10999, protocol: 'tcp' }] }),
    tasks: h.tasks.map((t) => ({
      id: t.id,
      host: t.host,
      ports: t.ports,
      ipAddresses: [{ ipAddress: t.ip, protocol: 'IPv4' }],
      state: 'TASK_RUNNING',
      startedAt: '2026-01-01T00:00:00.000Z',
    })),
  } as unknown as MarathonApp;
}

const hostileArbitrary = fc.record({
  id: appId,
  container: fc.boolean(),
  tasks: fc.array(fc.record({ id: taskId, host, ports: fc.array(port, { maxLength: 2 }), ip }), { minLength: 1, maxLength: 4 }),
});

const seed = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
const LEAKS = /6\.6\.6\.6|evil|:6666|\$\{HOME\}|%\[src\]/;

test('haproxy: hostile ids, hosts, ports and IPs: every config passes haproxy -c, nothing leaks, other sections unchanged', async (t) => {
  const apps = await baseApps();
  const options = optionsDefaults();
  const render = compileTemplate();
  const baseline = configSections(render(buildView(snapshotOf(apps), options)));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(hostileArbitrary, async (h) => {
      runs++;
      const text = render(buildView(snapshotOf([...apps, hostileApp(h)]), options));
      const check = haproxyCheck(text);
      if (!check.ok) throw new Error(`haproxy -c failed: ${check.output}`);
      if (LEAKS.test(text)) throw new Error('a hostile value reached the config');
      const now = configSections(text);
      for (const [head, block] of baseline) if (now.get(head) !== block) throw new Error(`section "${head}" changed`);
    }),
    { numRuns: 100, seed },
  );
  t.is(runs, 100);
});

test('nginx: hostile ids, hosts, ports and IPs: every config passes nginx -t, nothing leaks, other upstreams unchanged (both paths)', async (t) => {
  const apps = await baseApps();
  const render = nginxTemplate();
  const upstreams = (text: string) => new Map([...text.matchAll(/\n {2}upstream (\S+) \{\n[^}]*\}/g)].map((m) => [m[1]!, m[0]]));
  const baseline = upstreams(render(nginxView(snapshotOf(apps), nginxOptions(), true)));
  t.true(baseline.size >= 3);
  // The Lua path: the service ports' map names each service; the others' lines stay.
  const mapLines = (text: string) => (/map \$server_port \$mmsd_by_port \{\n([^}]*)\}/.exec(text)?.[1] ?? '').split('\n').filter(Boolean);
  const luaBaseline = mapLines(render(nginxView(snapshotOf(apps), nginxOptions(), true, true)));
  t.true(luaBaseline.length >= 3);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(hostileArbitrary, async (h) => {
      runs++;
      const snapshot = snapshotOf([...apps, hostileApp(h)]);
      const text = render(nginxView(snapshot, nginxOptions(), true));
      if (LEAKS.test(text)) throw new Error('a hostile value reached the config');
      const now = upstreams(text);
      for (const [name, block] of baseline) if (now.get(name) !== block) throw new Error(`upstream ${name} changed`);
      const check = nginxCheck((files) => render(nginxView(snapshot, nginxOptions(files), true)));
      if (!check.ok) throw new Error(`nginx -t failed: ${check.output}`);
      const lua = render(nginxView(snapshot, nginxOptions(), true, true));
      if (LEAKS.test(lua)) throw new Error('a hostile value reached the Lua config');
      const lines = new Set(mapLines(lua));
      for (const line of luaBaseline) if (!lines.has(line)) throw new Error(`map line "${line.trim()}" changed`);
      const luaCheck = nginxCheck((files) => render(nginxView(snapshot, nginxOptions(files), true, true)));
      if (!luaCheck.ok) throw new Error(`nginx -t of the Lua config failed: ${luaCheck.output}`);
    }),
    { numRuns: 60, seed },
  );
  t.is(runs, 60);
});

test('upstream-confd: hostile ids, hosts, ports and IPs: file names and instance lines are valid, other files unchanged', async (t) => {
  const apps = await baseApps();
  const dir = '/var/run/mmsd/confd';
  const baseline = new Map(renderUpstreamFiles(snapshotOf(apps), dir).map((a) => [a.path, a.content]));
  const hostPort = (line: string): boolean => {
    const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(line);
    if (!m) return false;
    const h = m[1] ?? m[2]!;
    const p = Number(m[3]);
    return (m[1] ? isIpLiteral(h) && h.includes(':') : isHostName(h) || isIpLiteral(h)) && p >= 1 && p <= 65535;
  };
  fc.assert(
    fc.property(hostileArbitrary, (h) => {
      const files = renderUpstreamFiles(snapshotOf([...apps, hostileApp(h)]), dir);
      for (const file of files) {
        if (`${dir}/${basename(file.path)}` !== file.path || !/^[a-z0-9._-]+\.instances$/.test(basename(file.path))) {
          throw new Error(`file name ${JSON.stringify(file.path)}`);
        }
        const body = file.content.split('\n\n')[1]!.split('\n').filter(Boolean);
        for (const line of body) if (!hostPort(line)) throw new Error(`instance line ${JSON.stringify(line)} in ${file.path}`);
        if (LEAKS.test(file.content)) throw new Error('a hostile value reached an upstream file');
        const before = baseline.get(file.path);
        if (before !== undefined && before !== file.content) throw new Error(`${file.path} changed`);
      }
      for (const path of baseline.keys()) if (!files.some((f) => f.path === path)) throw new Error(`${path} went away`);
    }),
    { numRuns: 200, seed },
  );
  t.pass();
});

test('logger: hostile ids, hosts, ports and IPs never make a log line of their own', (t) => {
  fc.assert(
    fc.property(hostileArbitrary, (h) => {
      const snapshot = snapshotOf([hostileApp(h)]);
      for (const app of snapshot.apps.values()) {
        const lines = [formatRecord(appRecord({ type: 'added', appId: app.id, after: app }, 'T'), 'text')];
        for (const task of app.tasks.values()) lines.push(formatRecord(taskRecord({ type: 'added', appId: app.id, taskId: task.id, after: task }, 'T'), 'text'));
        for (const line of lines) if (/[\n\r\u2028\u2029\u0000]/.test(line)) throw new Error(`log line ${JSON.stringify(line)}`);
      }
    }),
    { numRuns: 200, seed },
  );
  t.pass();
});
