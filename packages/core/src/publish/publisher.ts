import type { AgentMetrics } from '../metrics.js';
import type { ChangeSet, Snapshot } from '../model/types.js';
import type { MmsdHooks } from '../plugins/hooks.js';
import type { StateStore } from '../state/store.js';

/**
 * Publishes the store's changes to the plugins: the per-item hooks (`onAppChanged`,
 * `onTaskChanged`, only those some plugin taps), then `onSnapshot` with the whole net change
 * set, then the metrics of the publish.
 */
export class Publisher {
  constructor(
    private readonly options: {
      store: StateStore;
      /** The current plugins' hooks (a reload replaces them). */
      hooks(): MmsdHooks;
      metrics: Pick<AgentMetrics, 'publishSeconds' | 'services' | 'rejectedTasks'>;
      /** A publish that was not a full sync's: the state file should follow. */
      published(): void;
    },
  ) {}

  /** Publishes what the store has accumulated, if anything. */
  async publish(): Promise<void> {
    const publication = this.options.store.publish();
    if (!publication) return;
    await this.run(publication.snapshot, publication.changes);
    if (!publication.changes.full) this.options.published();
  }

  /** Runs the hooks for one snapshot and its changes (a reload replays the current snapshot). */
  async run(snapshot: Snapshot, changes: ChangeSet): Promise<void> {
    const { metrics } = this.options;
    const started = performance.now();
    const hooks = this.options.hooks();
    if (!changes.initial) {
      if (hooks.onAppChanged.isUsed()) for (const change of changes.apps) await hooks.onAppChanged.promise(change);
      if (hooks.onTaskChanged.isUsed()) for (const change of changes.tasks) await hooks.onTaskChanged.promise(change);
    }
    await hooks.onSnapshot.promise(snapshot, changes);
    metrics.publishSeconds.observe((performance.now() - started) / 1000);
    metrics.services.set({ state: 'exposed' }, snapshot.services.size);
    metrics.services.set({ state: 'excluded' }, snapshot.excluded.size);
    metrics.rejectedTasks.set(this.options.store.rejectedTasks);
  }
}
