import { sameDefinition } from '../model/app.js';
import type { App, AppChange, ExcludedService, Service, ServiceChange, Snapshot, TaskChange } from '../model/types.js';
import type { StoreNotices } from './notices.js';
import { diffTaskIds, diffTasks, EMPTY_TASKS } from './snapshot.js';

export interface Changes {
  apps: AppChange[];
  tasks: TaskChange[];
  services: ServiceChange[];
}

/** What the store has now, to compare with the last snapshot. */
export interface Current {
  apps: { get(id: string): App | undefined };
  services: { get(name: string): Service | undefined; has(name: string): boolean };
  excluded: { get(name: string): ExcludedService | undefined };
}

/**
 * What was touched since the last publish: app id → the ids of its tasks that task events
 * changed, or undefined when anything of the app may have (a definition, a refetch).
 */
export type Dirty = ReadonlyMap<string, ReadonlySet<string> | undefined>;

/**
 * The changes since `before`, over the apps touched since (`dirty`) alone, and in an app only
 * touched by task events over those tasks alone: a publish costs what changed, not the
 * cluster. Unchanged apps and services are the same objects in both (the model shares
 * structure), so identity is the first test.
 */
export function collectChanges(before: Snapshot, now: Current, dirty: Dirty, notices: StoreNotices): Changes {
  const apps: AppChange[] = [];
  const tasks: TaskChange[] = [];
  const services: ServiceChange[] = [];
  for (const [id, taskIds] of dirty) {
    const oldApp = before.apps.get(id);
    const newApp = now.apps.get(id);
    if (oldApp !== newApp) {
      if (!oldApp) apps.push({ type: 'added', appId: id, after: newApp! });
      else if (!newApp) apps.push({ type: 'removed', appId: id, before: oldApp });
      else if (!sameDefinition(oldApp, newApp)) apps.push({ type: 'updated', appId: id, before: oldApp, after: newApp });
      const from = tasks.length;
      if (taskIds && oldApp && newApp) diffTaskIds(id, oldApp.tasks, newApp.tasks, taskIds, tasks);
      else diffTasks(id, oldApp?.tasks ?? EMPTY_TASKS, newApp?.tasks ?? EMPTY_TASKS, tasks);
      for (let i = from; i < tasks.length; i++) notices.task(tasks[i]!);
    }
    const names = new Set([...(oldApp?.services ?? []), ...(newApp?.services ?? [])]);
    for (const name of names) {
      const was = before.services.get(name);
      const is = now.services.get(name);
      if (was === is) continue;
      if (!was) services.push({ type: 'added', name, after: is! });
      else if (!is) services.push({ type: 'removed', name, before: was });
      else services.push({ type: 'updated', name, before: was, after: is });
      notices.exclusion(name, now.excluded.get(name), before);
    }
    for (const name of names) if (!now.services.has(name) && !before.services.has(name)) notices.exclusion(name, now.excluded.get(name), before);
  }
  return { apps, tasks, services };
}
