import type { App, MarathonApp, MarathonTask, Snapshot } from '@mmsd/core';

/** What `/v2/apps` embeds: `apps.tasks`, `apps.counts` (others are ignored, as a relay has no deployments or readiness). */
export type Embed = ReadonlySet<string>;

function counts(app: App): Record<string, number> {
  let staged = 0;
  let running = 0;
  let healthy = 0;
  let unhealthy = 0;
  for (const task of app.tasks.values()) {
    if (task.state === 'TASK_RUNNING') running++;
    else if (task.state === 'TASK_STAGING' || task.state === 'TASK_STARTING') staged++;
    if (task.healthResults.length === 0) continue;
    if (task.healthResults.every((alive) => alive === true)) healthy++;
    else if (task.healthResults.some((alive) => alive === false)) unhealthy++;
  }
  return { tasksStaged: staged, tasksRunning: running, tasksHealthy: healthy, tasksUnhealthy: unhealthy };
}

/**
 * The relay's answers, serialized once per snapshot and shared by every reader until the next
 * one (a reader of 10,000 apps costs a write, not a render). Apps are written as mmsd reads
 * them back (`ctx.toMarathonApp`): an agent behind a relay builds the same model.
 */
export class Answers {
  private snapshot: Snapshot | undefined;
  private readonly cache = new Map<string, Buffer>();
  private readonly json = new WeakMap<App, MarathonApp>();

  constructor(private readonly toMarathonApp: (app: App) => MarathonApp) {}

  get synced(): boolean {
    return this.snapshot !== undefined;
  }

  get current(): Snapshot | undefined {
    return this.snapshot;
  }

  /**
   * A new snapshot: the answers of the old one are dropped. An app's JSON is kept by the app
   * object: snapshots share what did not change, so an unchanged app keeps its JSON and a
   * changed one is a new object (nothing to invalidate: O(changed) per event).
   */
  update(snapshot: Snapshot): void {
    if (snapshot === this.snapshot) return;
    this.snapshot = snapshot;
    this.cache.clear();
  }

  /** `GET /v2/apps`, with what `embed` asks for. */
  apps(embed: Embed): Buffer {
    const key = `apps:${embed.has('apps.tasks') ? 't' : ''}${embed.has('apps.counts') ? 'c' : ''}`;
    return this.cached(key, () => {
      const apps = [...this.snapshot!.apps.values()].map((app) => this.shape(app, embed.has('apps.tasks'), embed.has('apps.counts')));
      return { apps };
    });
  }

  /** `GET /v2/apps/<id>`; undefined when the app is not known. */
  app(id: string, embed: Embed): Buffer | undefined {
    const app = this.snapshot!.apps.get(id);
    if (!app) return undefined;
    return this.cached(`app:${id}:${embed.has('app.tasks') ? 't' : ''}${embed.has('app.counts') ? 'c' : ''}`, () => ({
      app: this.shape(app, embed.has('app.tasks'), embed.has('app.counts')),
    }));
  }

  /** `GET /v2/tasks`. */
  tasks(): Buffer {
    return this.cached('tasks', () => ({
      tasks: [...this.snapshot!.apps.values()].flatMap((app) => (this.marathonJson(app).tasks ?? []) as MarathonTask[]),
    }));
  }

  private marathonJson(app: App): MarathonApp {
    let json = this.json.get(app);
    if (!json) {
      json = this.toMarathonApp(app);
      this.json.set(app, json);
    }
    return json;
  }

  private shape(app: App, tasks: boolean, withCounts: boolean): MarathonApp {
    const { tasks: embedded, ...rest } = this.marathonJson(app);
    return { ...rest, ...(withCounts ? counts(app) : {}), ...(tasks ? { tasks: embedded ?? [] } : {}) };
  }

  private cached(key: string, build: () => unknown): Buffer {
    let body = this.cache.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(build()));
      this.cache.set(key, body);
    }
    return body;
  }
}
