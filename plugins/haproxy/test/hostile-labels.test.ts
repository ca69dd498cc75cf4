import test from 'ava';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import type { MarathonApp } from '@mmsd/core';
import { buildView, compileTemplate } from '../src/index.js';
import { configSections, haproxyCheck, optionsDefaults, snapshotOf } from './support.js';
import { fixture } from '../../../test/helpers/paths.js';

const AGENTS = {
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
};
const LABELS = ['proto', 'lb-group', 'lb-vhost', 'lb-vhost-default', 'lb-proxy-protocol', 'owner', 'HAPROXY_0_VHOST'];

const hostile = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\n',
    'http\nbackend evil',
    'www.example.com\n  server evil 6.6.6.6:80',
    '"',
    "'",
    '#',
    'a b',
    '\\',
    '${HOME}',
    '%[src]',
    '1',
    '2',
    '3',
    'true',
    'http',
    'redis-master',
    '*.example.org',
    '*',
    'é.example.org',
    'x'.repeat(100_000),
    `${'a'.repeat(63)}.${'b'.repeat(63)}.com`,
    '\u0000',
    '\u2028',
    'a,b,,c',
    ';',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('a', 'z', '0', '-', '.', '*', ',', ' ', '#', '\n', '\r', '"', "'", '\\', 'é', '\t'), maxLength: 30 }),
);

const render = compileTemplate();
const options = optionsDefaults();

async function baseApps(): Promise<MarathonApp[]> {
  return (JSON.parse(await readFile(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
}

/** An app that sorts after all others, so a valid vhost of it never wins a conflict. */
function hostileApp(portLabels: Record<string, string>, appLabels: Record<string, string>): MarathonApp {
  return {
    id: '/zz/hostile',
    instances: 1,
    labels: appLabels,
    networks: [{ mode: 'host' }],
    portDefinitions: [{ port: 10999, protocol: 'tcp', labels: portLabels }],
    healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 10 }],
    tasks: [
      {
        id: 'zz_hostile.instance-1._app.1',
        host: 'mesos-agent-1.dc1.example.internal',
        ports: [31999],
        state: 'TASK_RUNNING',
        startedAt: '2026-01-01T00:00:00.000Z',
        healthCheckResults: [{ alive: true }],
      },
    ],
  };
}

test('random and hostile label values: every config passes haproxy -c, nothing leaks, no other service changes', async (t) => {
  const apps = await baseApps();
  const baseline = configSections(render(buildView(snapshotOf(apps, ['*'], AGENTS), options)));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(fc.constantFrom(...LABELS), hostile, { maxKeys: 5 }),
      fc.dictionary(fc.constantFrom(...LABELS), hostile, { maxKeys: 3 }),
      async (portLabels, appLabels) => {
        runs++;
        const text = render(buildView(snapshotOf([...apps, hostileApp(portLabels, appLabels)], ['*'], AGENTS), options));
        const check = haproxyCheck(text);
        if (!check.ok) throw new Error(`haproxy -c failed: ${check.output}\n${JSON.stringify({ portLabels, appLabels })}`);
        if (text.includes('6.6.6.6') || /backend evil/.test(text)) throw new Error('a label value reached the config');
        const now = configSections(text);
        for (const [head, block] of baseline) {
          if (head.startsWith('frontend mmsd_')) continue; // the gateways may gain the hostile app's valid vhosts
          if (now.get(head) !== block) throw new Error(`section "${head}" changed:\n${now.get(head)}\n---\n${block}`);
        }
        for (const gateway of ['frontend mmsd_http_gateway', 'frontend mmsd_https_gateway']) {
          const before = baseline.get(gateway);
          const after = now.get(gateway);
          if (before) {
            for (const line of before.split('\n').filter((l) => /use_backend|default_backend/.test(l))) {
              if (!after?.includes(line)) throw new Error(`${gateway} lost "${line}"`);
            }
          }
        }
      },
    ),
    { numRuns: 80, seed: Number(process.env.FC_SEED ?? Date.now() % 1_000_000) },
  );
  t.is(runs, 80);
});
