import test from 'ava';
import { readFile } from 'node:fs/promises';
import { createStaticResolver, StateStore } from '@mmsd/core/testing';
import type { MarathonApp } from '@mmsd/core';
import { buildView, compileTemplate, serviceView } from '../src/index.js';
import { ConfigLayout } from '../src/config-layout.js';
import { optionsDefaults } from './support.js';
import { fixture } from '../../../test/helpers/paths.js';

const AGENTS = {
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
};
const options = optionsDefaults();
const joined = (pieces: readonly Uint8Array[]) => Buffer.concat(pieces).toString('utf8');

async function store(): Promise<StateStore> {
  const apps = (JSON.parse(await readFile(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
  const s = new StateStore({ groups: ['*'], resolver: createStaticResolver(AGENTS) });
  s.replaceAll(apps);
  return s;
}

for (const [name, template] of [
  ['the default template', undefined],
  ['the minimal example template', new URL('../../../docs/examples/haproxy/minimal.cfg.ejs', import.meta.url).pathname],
] as const) {
  test(`${name}: replacing the server lines of the changed services gives the very text a full render gives`, async (t) => {
    const render = compileTemplate(template);
    const s = await store();
    const before = s.publish()!.snapshot;
    const view = buildView(before, options);
    const text = render(view);
    const layout = ConfigLayout.of(text, view.services);
    t.truthy(layout, 'the template writes the server lines as they are');
    t.is(joined(layout!.splice([])), text);

    // A task fails its health check, another one is killed: servers change, nothing else.
    const php = before.apps.get('/developer/trapni/php')!;
    const [first, second] = [...php.tasks.values()];
    s.applyHealth(php.id, first!.id, false);
    s.applyStatusUpdate({ eventType: 'status_update_event', appId: php.id, taskId: second!.id, taskStatus: 'TASK_KILLED' } as never);
    const { snapshot, changes } = s.publish()!;
    const changed = changes.services.map((c) => serviceView(snapshot.services.get(c.name)!, options));
    t.true(changed.length >= 2);
    t.is(joined(layout!.splice(changed)), render(buildView(snapshot, options)));
  });
}

test('a template that does not write the server lines as they are gets no layout (the whole config is rendered)', (t) => {
  const view = [{ name: 'web', servers: [{ line: 'server a 10.0.0.1:1 check' }] }] as never;
  t.is(ConfigLayout.of('listen web\n  server a 10.0.0.1:1 check weight 5\n', view), undefined);
  t.is(ConfigLayout.of('listen web\n  server a 10.0.0.1:1 check\n  timeout server 5s\n', view), undefined, 'not at the end of the section');
  t.is(ConfigLayout.of('listen other\n  server a 10.0.0.1:1 check\n', view), undefined, 'a service without its section');
  t.truthy(ConfigLayout.of('listen web\n  mode tcp\n  server a 10.0.0.1:1 check\n', view));
});
