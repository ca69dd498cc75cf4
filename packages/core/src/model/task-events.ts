import type { StatusUpdateEvent } from '../marathon/types.js';
import { TERMINAL_TASK_STATES } from './health.js';
import { instanceIdOf } from './ids.js';
import { makeTask, sameTask } from './app.js';
import { ipList, portList } from './from-marathon.js';
import type { App, Task } from './types.js';

/** What a task event does to its app: its new tasks, or why nothing changes. */
export type TaskEventOutcome = { tasks: Map<string, Task> } | 'unchanged' | 'unknown-task' | 'needs-refetch';

/**
 * The app's tasks after a status_update_event, from the event's payload alone: a terminal
 * state removes the task; any other makes or updates it, keeping what the event does not say
 * (host, IPs, ports, health results) from the task as it was.
 */
export function tasksAfterStatusUpdate(app: App, event: StatusUpdateEvent, now: () => Date): TaskEventOutcome {
  const existing = app.tasks.get(event.taskId);
  if (TERMINAL_TASK_STATES.has(event.taskStatus)) {
    if (!existing) return 'unchanged';
    const tasks = new Map(app.tasks);
    tasks.delete(event.taskId);
    return { tasks };
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
  const tasks = new Map(app.tasks);
  tasks.set(event.taskId, task);
  return { tasks };
}

/**
 * The app's tasks after a health event. `id` is an instance id (1.4+) or a task id (≤1.3);
 * `alive` null means Mesos no longer knows. With several checks an event does not say which
 * one flipped, so a recovery asks for the app to be refetched.
 */
export function tasksAfterHealth(app: App, id: string, alive: boolean | null): TaskEventOutcome {
  const checks = app.healthChecks.length;
  if (checks === 0) return 'unchanged';
  const direct = app.tasks.get(id);
  const targets = direct ? [direct] : [...app.tasks.values()].filter((t) => instanceIdOf(t.id) === id);
  if (targets.length === 0) return 'unknown-task';
  if (checks > 1 && alive === true) return 'needs-refetch';
  const results = alive === null ? [] : new Array<boolean>(checks).fill(alive);
  const tasks = new Map(app.tasks);
  let changed = false;
  for (const task of targets) {
    const next = makeTask({ ...task, healthResults: results }, checks);
    if (!sameTask(task, next)) {
      tasks.set(task.id, next);
      changed = true;
    }
  }
  return changed ? { tasks } : 'unchanged';
}
