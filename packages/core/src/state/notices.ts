import type { Logger } from '../log.js';
import { showValue } from '../model/show.js';
import type { ExcludedService, Snapshot, TaskChange } from '../model/types.js';
import { shownId } from '../model/validate.js';

/**
 * What the operator is told about what the store leaves out: a service not exposed (once per
 * reason) and a task no handler routes to (once per task and reason), with the count of the
 * latter for the metrics.
 */
export class StoreNotices {
  private rejectedTasks = 0;

  constructor(private readonly log: Logger) {}

  /** Tasks that no handler routes to because a field from Marathon is malformed (`Task.problem`). */
  get rejected(): number {
    return this.rejectedTasks;
  }

  /** Says why a service is not exposed, if that is new since `before`. */
  exclusion(name: string, now: ExcludedService | undefined, before: Snapshot): void {
    if (!now || now.reason === 'groups') return;
    const was = before.excluded.get(name);
    if (was && was.reason === now.reason && was.detail === now.detail) return;
    if (now.reason === 'invalid-id') {
      if (now.service.portIndex === 0) this.log.warn('app %s is not exposed: %s', showValue(now.service.appId), now.detail);
      return;
    }
    this.log.warn('service %s of %s is not exposed: %s', name, now.service.appId, now.detail);
  }

  /** Keeps the count of rejected tasks, and says once per task (and new reason) why it is left out. */
  task(change: TaskChange): void {
    const was = change.before?.problem;
    const is = change.after?.problem;
    if (was === is) return;
    if (was && !is) this.rejectedTasks--;
    if (is && !was) this.rejectedTasks++;
    if (is) this.log.warn('task %s of %s is left out of every handler: %s', showValue(change.taskId), shownId(change.appId), is);
    else if (change.after) this.log.info('task %s of %s is routable again', showValue(change.taskId), shownId(change.appId));
  }
}
