// Immutable's ES module build (see store.ts).
import type { Map as IMap } from 'immutable/dist/immutable.es.js';
import { sameTask } from '../model/app.js';
import type { App, AppChange, ChangeSet, ExcludedService, Service, ServiceChange, Snapshot, Task, TaskChange } from '../model/types.js';

export const EMPTY_TASKS: ReadonlyMap<string, Task> = new Map();

export function freezeSnapshot(
  apps: IMap<string, App>,
  services: IMap<string, Service>,
  excluded: IMap<string, ExcludedService>,
  version: number,
  syncedAt: string | undefined,
): Snapshot {
  // Immutable.js maps implement the ReadonlyMap reading API (get, has, size, keys, values,
  // entries, forEach, iteration) and never change: hooks may keep them as long as they like.
  return Object.freeze({
    apps: apps as unknown as ReadonlyMap<string, App>,
    services: services as unknown as ReadonlyMap<string, Service>,
    excluded: excluded as unknown as ReadonlyMap<string, ExcludedService>,
    version,
    ...(syncedAt ? { syncedAt } : {}),
  });
}

/** The task changes of one app between two versions of its tasks, appended to `out`. */
export function diffTasks(appId: string, before: ReadonlyMap<string, Task>, after: ReadonlyMap<string, Task>, out: TaskChange[]): void {
  if (before === after) return;
  for (const [taskId, task] of after) {
    const old = before.get(taskId);
    if (!old) out.push({ type: 'added', appId, taskId, after: task });
    else if (old !== task && !sameTask(old, task)) out.push({ type: 'updated', appId, taskId, before: old, after: task });
  }
  for (const [taskId, task] of before) {
    if (!after.has(taskId)) out.push({ type: 'removed', appId, taskId, before: task });
  }
}

/**
 * diffTasks where only the tasks `ids` can differ between `before` and `after` (task events
 * since the last publish): O(ids), not O(tasks).
 */
export function diffTaskIds(appId: string, before: ReadonlyMap<string, Task>, after: ReadonlyMap<string, Task>, ids: Iterable<string>, out: TaskChange[]): void {
  if (before === after) return;
  for (const taskId of ids) {
    const old = before.get(taskId);
    const task = after.get(taskId);
    if (old === task) continue;
    if (!old) out.push({ type: 'added', appId, taskId, after: task! });
    else if (!task) out.push({ type: 'removed', appId, taskId, before: old });
    else if (!sameTask(old, task)) out.push({ type: 'updated', appId, taskId, before: old, after: task });
  }
}

/** The change set of `snapshot` seen from nothing (for handlers that start late, e.g. after a reload). */
export function initialChanges(snapshot: Snapshot): ChangeSet {
  const apps: AppChange[] = [];
  const tasks: TaskChange[] = [];
  for (const app of snapshot.apps.values()) {
    apps.push({ type: 'added', appId: app.id, after: app });
    for (const task of app.tasks.values()) tasks.push({ type: 'added', appId: app.id, taskId: task.id, after: task });
  }
  const services: ServiceChange[] = [...snapshot.services.values()].map((s) => ({ type: 'added', name: s.name, after: s }));
  return Object.freeze({ apps, tasks, services, full: true, initial: true });
}
