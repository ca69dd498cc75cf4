import type { AppSink } from '../marathon/client.js';
import type { App } from '../model/types.js';
import type { StateStore } from '../state/store.js';

/** A full sync's answer, already in the model's form (Marathon's own JSON is gone). */
export interface FetchedApps {
  readonly apps: readonly App[];
  /** The task hosts to resolve before the apps are applied. */
  readonly hosts: ReadonlySet<string>;
}

/**
 * Turns each app of Marathon's answer into the model's App as it arrives (MarathonClient.eachApp),
 * so that the raw JSON of one app at a time is alive, not the whole answer: at 10,000 apps ×
 * 10 tasks the raw answer was larger than the whole model.
 */
export function fetchedAppsSink(store: StateStore): AppSink<FetchedApps> {
  const apps: App[] = [];
  const hosts = new Set<string>();
  return {
    add(raw) {
      const app = store.prepare(raw);
      if (!app) return;
      apps.push(app);
      for (const task of app.tasks.values()) if (!task.problem) hosts.add(task.host);
    },
    done: () => ({ apps, hosts }),
  };
}
