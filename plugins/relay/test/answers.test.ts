import test from 'ava';
import { readFile } from 'node:fs/promises';
import type { MarathonApp, Snapshot } from '@mmsd/core';
import { createStaticResolver, pluginContext, snapshotOf, StateStore } from '@mmsd/core/testing';
import { Answers } from '../src/answers.js';
import { fixture } from '../../../test/helpers/paths.js';

const HOSTS = { 'mesos-agent-1.dc1.example.internal': '10.0.0.1', 'mesos-agent-2.dc1.example.internal': '10.0.0.2', 'mesos-agent-3.dc1.example.internal': '10.0.0.3' };
const { toMarathonApp } = pluginContext({});

/** What a handler sees of a snapshot: services (with backends), exclusions, and the apps' tasks. */
function seen(snapshot: Snapshot): string {
  const sorted = <T>(m: ReadonlyMap<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify({ services: sorted(snapshot.services), excluded: sorted(snapshot.excluded), apps: sorted(snapshot.apps).map(([id, app]) => [id, [...app.tasks.values()]]) });
}

for (const file of ['apps-embed-tasks.json', 'apps-embed-tasks.v1.4.json']) {
  test(`${file}: an agent reading the relay's answer sees what an agent reading Marathon's sees`, async (t) => {
    const apps = (JSON.parse(await readFile(fixture(file), 'utf8')) as { apps: MarathonApp[] }).apps;
    for (const groups of [['*'], ['production']]) {
      const direct = snapshotOf(apps, groups, HOSTS);
      const answers = new Answers(toMarathonApp);
      // The relay's own agent exposes every group; what it serves is its whole state.
      answers.update(snapshotOf(apps, ['*'], HOSTS));
      const served = JSON.parse(answers.apps(new Set(['apps.tasks'])).toString('utf8')) as { apps: MarathonApp[] };
      t.is(seen(snapshotOf(served.apps, groups, HOSTS)), seen(direct), `groups ${groups.join(',')}`);
    }
  });
}

test('one serialized answer per snapshot, shared by every reader; an unchanged app keeps its JSON', async (t) => {
  const apps = (JSON.parse(await readFile(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
  let conversions = 0;
  const answers = new Answers((app) => {
    conversions++;
    return toMarathonApp(app);
  });
  const first = snapshotOf(apps, ['*'], HOSTS);
  answers.update(first);
  const body = answers.apps(new Set(['apps.tasks']));
  t.is(answers.apps(new Set(['apps.tasks'])), body, 'the same buffer for the next reader');
  t.is(conversions, first.apps.size);
  answers.apps(new Set());
  answers.tasks();
  t.is(conversions, first.apps.size, 'other shapes reuse the JSON of each app');
  // The next snapshot shares the unchanged apps: only the changed one is converted again.
  const store = new StateStore({ groups: ['*'], resolver: createStaticResolver(HOSTS) });
  store.replaceAll(apps);
  const one = store.publish()!.snapshot;
  answers.update(one);
  answers.apps(new Set(['apps.tasks']));
  const converted = conversions;
  const task = [...one.apps.get('/developer/trapni/php')!.tasks.values()][0]!;
  store.applyHealth('/developer/trapni/php', task.id, false);
  answers.update(store.publish()!.snapshot);
  answers.apps(new Set(['apps.tasks']));
  t.is(conversions, converted + 1, 'one app changed, one converted');
  const counts = JSON.parse(answers.apps(new Set(['apps.counts'])).toString()) as { apps: Record<string, unknown>[] };
  t.true(counts.apps.every((a) => typeof a.tasksRunning === 'number' && a.tasks === undefined));
});
