import test from 'ava';
import { createHooks, createStaticResolver, pluginContext, scopeHooks, StateStore } from '@mmsd/core/testing';
import type { MarathonApp, StatusUpdateEvent } from '@mmsd/core';
import { readFileSync } from 'node:fs';
import logger from '../src/index.js';
import type { LoggerOptions } from '../src/index.js';
import { formatRecord, taskRecord } from '../src/format.js';
import { fixture } from '../../../test/helpers/paths.js';

const TIME = '2026-11-21T00:00:00.000Z';

function store() {
  const apps = (JSON.parse(readFileSync(fixture('apps-embed-tasks.json'), 'utf8')) as { apps: MarathonApp[] }).apps;
  const s = new StateStore({ groups: ['*'], resolver: createStaticResolver({}) });
  s.replaceAll(apps);
  return s;
}

function kill(s: StateStore, status: string) {
  const event: StatusUpdateEvent = {
    eventType: 'status_update_event',
    appId: '/staging/web/frontend',
    taskId: 'staging_web_frontend.instance-c41a9e77-1de3-11eb-a0f1-0242ac110006._app.1',
    taskStatus: status,
    host: 'mesos-agent-2.dc1.example.internal',
    ports: [31877],
  };
  s.applyStatusUpdate(event);
  return s.publish()!;
}

async function run(options: LoggerOptions, drive: (hooks: ReturnType<typeof createHooks>) => Promise<void>): Promise<string[]> {
  const hooks = createHooks();
  await logger.apply(scopeHooks(hooks, 'logger'), pluginContext(options, { name: 'logger' }));
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    await drive(hooks);
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

test.serial('text: the first snapshot in one line, then one line per change with host:port and health before → after', async (t) => {
  const s = store();
  const lines = await run({ format: 'text', output: 'stdout' }, async (hooks) => {
    const first = s.publish()!;
    await hooks.onSnapshot.promise(first.snapshot, first.changes);
    const killing = kill(s, 'TASK_KILLING');
    for (const c of killing.changes.tasks) await hooks.onTaskChanged.promise(c);
    await hooks.onSnapshot.promise(killing.snapshot, killing.changes);
    const killed = kill(s, 'TASK_KILLED');
    for (const c of killed.changes.tasks) await hooks.onTaskChanged.promise(c);
  });
  t.is(lines.length, 3);
  t.regex(lines[0]!, /snapshot: 6 apps, 7 services exposed \(0 not\), 9 tasks \(7 up\), from marathon$/);
  t.regex(lines[1]!, /task-updated \/staging\/web\/frontend staging_web_frontend\.instance-c41a9e77-1de3-11eb-a0f1-0242ac110006\._app\.1 mesos-agent-2\.dc1\.example\.internal:31877 health up → draining state TASK_RUNNING → TASK_KILLING$/);
  t.regex(lines[2]!, /task-removed .* health draining → gone state TASK_KILLING → gone$/);
});

test.serial('json: one JSON object per line, with the same fields', async (t) => {
  const s = store();
  s.publish();
  const lines = await run({ format: 'json', output: 'stdout' }, async (hooks) => {
    const pub = kill(s, 'TASK_KILLING');
    for (const c of pub.changes.tasks) await hooks.onTaskChanged.promise(c);
    s.removeApp('/developer/trapni/legacy-cron');
    for (const c of s.publish()!.changes.apps) await hooks.onAppChanged.promise(c);
  });
  const [task, app] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.like(task, {
    event: 'task-updated',
    appId: '/staging/web/frontend',
    host: 'mesos-agent-2.dc1.example.internal',
    address: 'mesos-agent-2.dc1.example.internal:31877',
    health: { before: 'up', after: 'draining' },
    state: { before: 'TASK_RUNNING', after: 'TASK_KILLING' },
  });
  t.like(app, { event: 'app-removed', appId: '/developer/trapni/legacy-cron', instances: 0 });
});

test('a task on a container network is shown by its IP', (t) => {
  const s = store();
  const gateway = s.publish()!.snapshot.apps.get('/production/api/gateway')!;
  const task = [...gateway.tasks.values()][0]!;
  const line = formatRecord(taskRecord({ type: 'added', appId: gateway.id, taskId: task.id, after: task }, TIME), 'text');
  t.is(line, `${TIME} task-added /production/api/gateway ${task.id} 9.0.2.5 health up state TASK_RUNNING`);
});

test('options are checked by its schema', (t) => {
  t.deepEqual(logger.optionsSchema?.properties, {
    format: { enum: ['text', 'json'], default: 'text' },
    output: { enum: ['stdout', 'stderr'], default: 'stdout' },
  });
});

test('the plugin has no run-time dependency on @mmsd/core', (t) => {
  const built = readFileSync(new URL('../dist/index.js', import.meta.url), 'utf8') + readFileSync(new URL('../dist/format.js', import.meta.url), 'utf8');
  t.notRegex(built, /from ['"]@mmsd\/core['"]/);
});
