// Immutable's ES module build: imported through its main (CommonJS) entry it cost ~9 MB more
// RSS at start (docs/performance.md); the package has no exports map to pick it by condition.
import { Map as IMap } from 'immutable/dist/immutable.es.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { MarathonApp, StatusUpdateEvent } from '../marathon/types.js';
import type { AddressResolver } from '../model/address-resolver.js';
import { createGroupMatcher } from '../model/groups.js';
import type { LabelRules } from '../model/marathon-lb.js';
import { withChangedTasks } from '../model/app.js';
import { InvalidAppError, normalizeApp } from '../model/from-marathon.js';
import { tasksAfterHealth, tasksAfterStatusUpdate } from '../model/task-events.js';
import type { TaskEventOutcome } from '../model/task-events.js';
import { toMarathonTask } from '../model/to-marathon.js';
import type { App, ChangeSet, Snapshot } from '../model/types.js';
import { collectChanges } from './changes.js';
import { StoreNotices } from './notices.js';
import { ServicePlacement } from './placement.js';
import { freezeSnapshot, initialChanges } from './snapshot.js';

export type TaskEventResult = 'applied' | 'unchanged' | 'unknown-app' | 'unknown-task' | 'needs-refetch';

export interface StoreOptions {
  groups: readonly string[];
  /** Which label dialects are read (config `labels`, `strictMode`); default both, not strict. */
  labelRules?: LabelRules;
  resolver: AddressResolver;
  log?: Logger;
  now?: () => Date;
}

export interface Publication {
  readonly snapshot: Snapshot;
  readonly changes: ChangeSet;
}

/**
 * The cluster model. Marathon data goes in (full syncs, single apps, task events); every
 * change costs time in proportion to what changed. `publish()` hands out an immutable snapshot
 * and the change set since the last one: only apps touched since then are compared.
 */
export class StateStore {
  private apps = IMap<string, App>();
  private published: Snapshot = freezeSnapshot(IMap(), IMap(), IMap(), 0, undefined);
  private readonly dirty = new Map<string, Set<string> | undefined>();
  private fullPending = false;
  private version = 0;
  private syncedAt: string | undefined;
  private readonly placement: ServicePlacement;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly notices: StoreNotices;

  constructor(options: StoreOptions) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    this.notices = new StoreNotices(this.log);
    this.placement = new ServicePlacement(
      { matchGroups: createGroupMatcher(options.groups), lookupAddress: options.resolver.lookup, ...(options.labelRules ? { labelRules: options.labelRules } : {}) },
      this.log,
    );
  }

  /** The last published snapshot. */
  get snapshot(): Snapshot {
    return this.published;
  }

  /** The apps as they are now, published or not. */
  get currentApps(): ReadonlyMap<string, App> {
    return this.apps as unknown as ReadonlyMap<string, App>;
  }

  /** Something was applied since the last publish. */
  get pending(): boolean {
    return this.dirty.size > 0 || this.fullPending;
  }

  /** Tasks that no handler routes to because a field from Marathon is malformed (`Task.problem`). */
  get rejectedTasks(): number {
    return this.notices.rejected;
  }

  /** The state has been filled by a full sync or a state file (empty is never assumed). */
  get known(): boolean {
    return this.syncedAt !== undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Input

  /** A full sync: `raws` is the whole of Marathon's answer; apps missing from it are removed. */
  replaceAll(raws: readonly MarathonApp[], options: { syncedAt?: string; full?: boolean } = {}): void {
    const apps: App[] = [];
    for (const raw of raws) {
      const app = this.prepare(raw);
      if (app) apps.push(app);
    }
    this.replacePrepared(apps, options);
  }

  /** replaceAll with apps that `prepare` made (a full sync normalizes each app as it arrives). */
  replacePrepared(apps: readonly App[], options: { syncedAt?: string; full?: boolean } = {}): void {
    this.beginBatch();
    try {
      const seen = new Set<string>();
      for (const app of apps) {
        seen.add(app.id);
        this.setApp(app.id, app);
      }
      for (const id of [...this.apps.keys()]) if (!seen.has(id)) this.setApp(id, undefined);
      for (const id of this.placement.collidedApps()) if (this.apps.has(id)) this.rebuildServices(id);
    } finally {
      this.endBatch();
    }
    this.syncedAt = options.syncedAt ?? this.now().toISOString();
    if (options.full !== false) this.fullPending = true;
  }

  /** One app as Marathon returned it (`undefined`: Marathon says it does not exist). */
  replaceApp(id: string, raw: MarathonApp | undefined): void {
    if (!raw) {
      this.setApp(id, undefined);
      return;
    }
    const app = this.prepare(raw);
    if (app) this.setApp(app.id, app);
  }

  /**
   * A new definition of an app (api_post_event's appDefinition): labels, ports and checks
   * change at once; the tasks stay as they are until their own events or a refetch.
   */
  applyDefinition(raw: MarathonApp): void {
    if (!raw || typeof raw.id !== 'string') return;
    const existing = this.apps.get(raw.id);
    const tasks = existing ? [...existing.tasks.values()].map(toMarathonTask) : [];
    const app = this.prepare({ ...raw, tasks });
    if (app) this.setApp(app.id, app);
  }

  removeApp(id: string): void {
    this.setApp(id, undefined);
  }

  hasApp(id: string): boolean {
    return this.apps.has(id);
  }

  /** Applies a status_update_event from its payload alone. */
  applyStatusUpdate(event: StatusUpdateEvent): TaskEventResult {
    const app = this.apps.get(event.appId);
    if (!app) return 'unknown-app';
    return this.applyOutcome(app, tasksAfterStatusUpdate(app, event, this.now));
  }

  /** Applies a health event (see tasksAfterHealth). */
  applyHealth(appId: string, id: string, alive: boolean | null): TaskEventResult {
    const app = this.apps.get(appId);
    if (!app) return 'unknown-app';
    return this.applyOutcome(app, tasksAfterHealth(app, id, alive));
  }

  /** New `groups` globs or label rules: every service is reconsidered. */
  setGroups(groups: readonly string[], labelRules?: LabelRules): void {
    this.placement.context.matchGroups = createGroupMatcher(groups);
    if (labelRules) this.placement.context.labelRules = labelRules;
    this.beginBatch();
    try {
      for (const id of [...this.apps.keys()]) this.rebuildServices(id);
    } finally {
      this.endBatch();
    }
  }

  /** A host's address changed: the services with backends on it are rebuilt. */
  hostChanged(host: string): void {
    this.beginBatch();
    try {
      for (const app of this.apps.values()) {
        if ([...app.tasks.values()].some((t) => t.host === host)) this.rebuildServices(app.id);
      }
    } finally {
      this.endBatch();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Output

  /** The snapshot and the change set since the last publish; undefined when there is nothing. */
  publish(): Publication | undefined {
    if (!this.pending) return undefined;
    const before = this.published;
    const initial = before.version === 0;
    const { apps, tasks, services } = collectChanges(before, { apps: this.apps, services: this.placement.services, excluded: this.placement.excluded }, this.dirty, this.notices);
    this.version++;
    const snapshot = freezeSnapshot(this.apps, this.placement.services, this.placement.excluded, this.version, this.syncedAt);
    const changes: ChangeSet = Object.freeze({
      apps: Object.freeze(apps),
      tasks: Object.freeze(tasks),
      services: Object.freeze(services),
      full: this.fullPending,
      initial,
    });
    this.published = snapshot;
    this.dirty.clear();
    this.fullPending = false;
    return { snapshot, changes };
  }

  /** Tasks that are `up` now. */
  upTasks(): number {
    return StateStore.upTasksIn(this.apps.values());
  }

  /** Tasks that would be `up` if `apps` (from `prepare`) were applied: for the drop guard. */
  static upTasksIn(apps: Iterable<App>): number {
    let up = 0;
    for (const app of apps) for (const task of app.tasks.values()) if (task.health === 'up') up++;
    return up;
  }

  /** The change set of `snapshot` seen from nothing (for handlers that start late, e.g. after a reload). */
  static initialChanges(snapshot: Snapshot): ChangeSet {
    return initialChanges(snapshot);
  }

  // ---------------------------------------------------------------------------------------
  // Internals

  private applyOutcome(app: App, outcome: TaskEventOutcome): TaskEventResult {
    if (typeof outcome === 'string') return outcome;
    this.setApp(app.id, withChangedTasks(app, outcome.tasks), outcome.changed);
    return 'applied';
  }

  /**
   * One app of Marathon's in the model's form, sharing what is unchanged with the app as known
   * now; undefined (and logged) when it cannot be used at all.
   */
  prepare(raw: MarathonApp): App | undefined {
    try {
      return normalizeApp(raw, typeof raw?.id === 'string' ? this.apps.get(raw.id) : undefined);
    } catch (error) {
      if (!(error instanceof InvalidAppError)) throw error;
      this.log.warn('ignoring %s', error.message);
      return undefined;
    }
  }

  private batchDepth = 0;

  private beginBatch(): void {
    if (this.batchDepth++ === 0) {
      this.apps = this.apps.asMutable();
      this.placement.begin();
    }
  }

  private endBatch(): void {
    if (--this.batchDepth === 0) {
      this.apps = this.apps.asImmutable();
      this.placement.end();
    }
  }

  /** `changedTasks`: `next` is the app after task events on these tasks alone (see placement.place). */
  private setApp(id: string, next: App | undefined, changedTasks?: readonly string[]): void {
    const previous = this.apps.get(id);
    if (previous === next) return;
    this.beginBatch();
    try {
      if (next) this.apps = this.apps.set(id, next);
      else this.apps = this.apps.delete(id);
      this.placement.place(id, previous, next, changedTasks);
    } finally {
      this.endBatch();
    }
    this.touch(id, changedTasks);
  }

  /** Marks the app for the next publish: these tasks changed, or (undefined) anything may have. */
  private touch(id: string, changedTasks: readonly string[] | undefined): void {
    if (!changedTasks) {
      this.dirty.set(id, undefined);
      return;
    }
    if (this.dirty.has(id) && this.dirty.get(id) === undefined) return; // all of it is compared already
    const ids = this.dirty.get(id) ?? new Set<string>();
    for (const taskId of changedTasks) ids.add(taskId);
    this.dirty.set(id, ids);
  }

  private rebuildServices(id: string): void {
    const app = this.apps.get(id);
    if (!app) return;
    this.beginBatch();
    try {
      if (this.placement.place(id, app, app)) this.touch(id, []);
    } finally {
      this.endBatch();
    }
  }
}
