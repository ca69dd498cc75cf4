import { sameDefinition } from '../model/app.js';
import type { App, AppChange, ExcludedService, Service, ServiceChange, Snapshot, TaskChange } from '../model/types.js';
import type { StoreNotices } from './notices.js';
import { diffTasks, EMPTY_TASKS } from './snapshot.js';

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
 * The changes since `before`, over the apps touched since (`dirty`) alone: a publish costs what
 * changed, not the cluster. Unchanged apps and services are the same objects in both (the
 * model shares structure), so identity is the first test.
 */
export function collectChanges(before: Snapshot, now: Current, dirty: Iterable<string>, notices: StoreNotices): Changes {
  const apps: AppChange[] = [];
  const tasks: TaskChange[] = [];
  const services: ServiceChange[] = [];
  for (const id of dirty) {
    const oldApp = before.apps.get(id);
    const newApp = now.apps.get(id);
    if (oldApp !== newApp) {
      if (!oldApp) apps.push({ type: 'added', appId: id, after: newApp! });
      else if (!newApp) apps.push({ type: 'removed', appId: id, before: oldApp });
      else if (!sameDefinition(oldApp, newApp)) apps.push({ type: 'updated', appId: id, before: oldApp, after: newApp });
      const from = tasks.length;
      diffTasks(id, oldApp?.tasks ?? EMPTY_TASKS, newApp?.tasks ?? EMPTY_TASKS, tasks);
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
