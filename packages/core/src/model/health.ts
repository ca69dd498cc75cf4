import type { BackendHealth } from './types.js';

/**
 * docs/labels.md#services: a task is `up` when it is TASK_RUNNING, has started and, if the app has Marathon
 * health checks, has a result for each of them and all are alive. No result yet is `unknown`;
 * TASK_KILLING is `draining`; a failing check or an unreachable/lost task is `down`.
 */
export function taskHealth(
  state: string,
  started: boolean,
  healthCheckCount: number,
  results: readonly boolean[],
): BackendHealth {
  switch (state) {
    case 'TASK_RUNNING':
      break;
    case 'TASK_KILLING':
      return 'draining';
    case 'TASK_STAGING':
    case 'TASK_STARTING':
      return 'unknown';
    default:
      return 'down';
  }
  if (!started) return 'unknown';
  if (healthCheckCount === 0) return 'up';
  if (results.includes(false)) return 'down';
  return results.length >= healthCheckCount ? 'up' : 'unknown';
}

/** States after which Marathon forgets a task: the task is removed from the model. */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);
