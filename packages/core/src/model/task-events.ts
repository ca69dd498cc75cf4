import type { StatusUpdateEvent } from '../marathon/types.js';
import { TERMINAL_TASK_STATES } from './health.js';
import { instanceIdOf, likelyTaskIds } from './ids.js';
import { makeTask, sameTask } from './app.js';
import { ipList, portList } from './from-marathon.js';
import { withTask } from './task-map.js';
import type { App, Task } from './types.js';

/** What a task event does to its app: its new tasks and the ids that changed, or why nothing changes. */
export type TaskEventOutcome = { tasks: ReadonlyMap<string, Task>; changed: readonly string[] } | 'unchanged' | 'unknown-task' | 'needs-refetch';

/**
 * The app's tasks after a status_update_event, from the event's payload alone: a terminal
 * state removes the task; any other makes or updates it, keeping what the event does not say
 * (host, IPs, ports, health results) from the task as it was.
 */
export function tasksAfterStatusUpdate(app: App, event: StatusUpdateEvent, now: () => Date): TaskEventOutcome {
  const existing = app.tasks.get(event.taskId);
  if (TERMINAL_TASK_STATES.has(event.taskStatus)) {
    if (!existing) return 'unchanged';
    return { tasks: withTask(app.tasks, event.taskId, undefined), changed: [event.taskId] };
  }
  const eventIps = ipList(event.ipAddresses);
  const eventPorts = portList(event.ports);
  const host = typeof event.host === 'string' && event.host && event.host !== 'unknown' ? event.host : (existing?.host ?? '');
  const startedAt = existing?.startedAt ?? (event.taskStatus === 'TASK_RUNNING' ? (event.timestamp ?? now().toISOString()) : undefined);
  const task = makeTask(
    {
      id: event.taskId,
      appId: app.id,
      host,
      ipAddresses: eventIps.length > 0 ? eventIps : (existing?.ipAddresses ?? []),
      ports: eventPorts.length > 0 ? eventPorts : (existing?.ports ?? []),
      state: event.taskStatus,
      ...(startedAt ? { startedAt } : {}),
      ...((event.version ?? existing?.version) ? { version: event.version ?? existing?.version } : {}),
      healthResults: existing?.healthResults ?? [],
    },
    app.healthChecks.length,
  );
  if (existing && sameTask(existing, task)) return 'unchanged';
  return { tasks: withTask(app.tasks, event.taskId, task), changed: [event.taskId] };
}

/**
 * The app's tasks after a health event. `id` is an instance id (1.4+) or a task id (≤1.3);
 * `alive` null means Mesos no longer knows. With several checks an event does not say which
 * one flipped, so a recovery asks for the app to be refetched.
 */
export function tasksAfterHealth(app: App, id: string, alive: boolean | null): TaskEventOutcome {
  const checks = app.healthChecks.length;
  if (checks === 0) return 'unchanged';
  const targets = tasksOfInstance(app.tasks, id);
  if (targets.length === 0) return 'unknown-task';
  if (checks > 1 && alive === true) return 'needs-refetch';
  const results = alive === null ? [] : new Array<boolean>(checks).fill(alive);
  let tasks = app.tasks;
  const changed: string[] = [];
  for (const task of targets) {
    const next = makeTask({ ...task, healthResults: results }, checks);
    if (!sameTask(task, next)) {
      tasks = withTask(tasks, task.id, next);
      changed.push(task.id);
    }
  }
  return changed.length > 0 ? { tasks, changed } : 'unchanged';
}

/** The tasks `id` names: a task id, or an instance id (its likely task ids first, then a scan). */
function tasksOfInstance(tasks: ReadonlyMap<string, Task>, id: string): Task[] {
  const direct = tasks.get(id);
  if (direct) return [direct];
  const likely: Task[] = [];
  for (const taskId of likelyTaskIds(id)) {
    const task = tasks.get(taskId);
    if (task) likely.push(task);
  }
  return likely.length > 0 ? likely : [...tasks.values()].filter((t) => instanceIdOf(t.id) === id);
}
