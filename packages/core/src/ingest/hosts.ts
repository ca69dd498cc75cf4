import type { MarathonApp } from '../marathon/types.js';

/** The agents' host names in apps as Marathon sent them (to resolve before the apps are applied). */
export function hostsOf(apps: readonly MarathonApp[]): Set<string> {
  const hosts = new Set<string>();
  for (const app of apps) for (const task of app.tasks ?? []) if (task?.host) hosts.add(task.host);
  return hosts;
}
