import type { AppChange, ChangeSet, Snapshot, Task, TaskChange } from '@mmsd/core';

export type LogFormat = 'text' | 'json';

/** What the logger prints for one change: the same fields in text and in JSON. */
export interface LogRecord {
  time: string;
  event: string;
  [key: string]: unknown;
}

function endpoint(task: Task | undefined): string | undefined {
  if (!task) return undefined;
  if (task.ports.length > 0 && task.host) return `${task.host}:${task.ports.join(',')}`;
  return task.ipAddresses[0] ?? (task.host || undefined);
}

export function snapshotRecord(snapshot: Snapshot, changes: ChangeSet, time: string): LogRecord {
  let tasks = 0;
  let up = 0;
  for (const app of snapshot.apps.values()) {
    for (const task of app.tasks.values()) {
      tasks++;
      if (task.health === 'up') up++;
    }
  }
  return {
    time,
    event: 'snapshot',
    apps: snapshot.apps.size,
    services: snapshot.services.size,
    excluded: snapshot.excluded.size,
    tasks,
    up,
    source: changes.full ? 'marathon' : 'saved state',
  };
}

function describeAppUpdate(change: AppChange): string[] {
  const before = change.before!;
  const after = change.after!;
  const what: string[] = [];
  if (before.instances !== after.instances) what.push(`instances ${before.instances} → ${after.instances}`);
  if (JSON.stringify(before.labels) !== JSON.stringify(after.labels)) what.push('labels');
  if (JSON.stringify(before.ports) !== JSON.stringify(after.ports)) what.push('ports');
  if (JSON.stringify(before.healthChecks) !== JSON.stringify(after.healthChecks)) what.push('health checks');
  if (before.network !== after.network) what.push(`network ${before.network} → ${after.network}`);
  if (what.length === 0 && before.version !== after.version) what.push('version');
  return what;
}

export function appRecord(change: AppChange, time: string): LogRecord {
  const app = change.after ?? change.before!;
  return {
    time,
    event: `app-${change.type}`,
    appId: change.appId,
    version: app.version,
    instances: app.instances,
    services: [...app.services],
    ...(change.type === 'updated' ? { changed: describeAppUpdate(change) } : {}),
  };
}

export function taskRecord(change: TaskChange, time: string): LogRecord {
  const task = change.after ?? change.before!;
  return {
    time,
    event: `task-${change.type}`,
    appId: change.appId,
    taskId: change.taskId,
    host: task.host,
    ports: [...task.ports],
    address: endpoint(task),
    health: { before: change.before?.health ?? null, after: change.after?.health ?? null },
    state: { before: change.before?.state ?? null, after: change.after?.state ?? null },
    ...(change.after?.problem ? { problem: change.after.problem } : {}),
  };
}

/** Ids and hosts come from Marathon: shown as they are when plain, else quoted (no raw newline reaches a log line). */
function plain(value: unknown): string {
  const text = String(value);
  return /^[\x21-\x7e]+$/.test(text) ? text : JSON.stringify(text).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function transition(before: unknown, after: unknown): string {
  if (before === null) return plain(after);
  if (after === null) return `${plain(before)} → gone`;
  return before === after ? plain(after) : `${plain(before)} → ${plain(after)}`;
}

/** One line, without the trailing newline. */
export function formatRecord(record: LogRecord, format: LogFormat): string {
  if (format === 'json') return JSON.stringify(record);
  const r = record as Record<string, unknown>;
  switch (true) {
    case record.event === 'snapshot':
      return `${record.time} snapshot: ${r.apps} apps, ${r.services} services exposed (${r.excluded} not), ${r.tasks} tasks (${r.up} up), from ${r.source}`;
    case record.event.startsWith('app-'): {
      const changed = Array.isArray(r.changed) && r.changed.length > 0 ? `: ${(r.changed as string[]).join(', ')}` : '';
      const services = (r.services as string[]).map(plain).join(', ') || 'no services';
      return `${record.time} ${record.event} ${plain(r.appId)}${changed} (instances ${r.instances}, ${services})`;
    }
    default: {
      const health = r.health as { before: unknown; after: unknown };
      const state = r.state as { before: unknown; after: unknown };
      const problem = r.problem ? ` (left out: ${String(r.problem)})` : '';
      return `${record.time} ${record.event} ${plain(r.appId)} ${plain(r.taskId)} ${r.address === undefined ? '-' : plain(r.address)} health ${transition(health.before, health.after)} state ${transition(state.before, state.after)}${problem}`;
    }
  }
}
