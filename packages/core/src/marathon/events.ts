import type { ApiPostEvent, AppTerminatedEvent, DeploymentEvent, HealthStatusChangedEvent, InstanceHealthChangedEvent, MarathonEvent, StatusUpdateEvent } from './types.js';

/** The events the agent acts on; every other event type only reaches `onMarathonEvent`. */
export type RoutedEvent = StatusUpdateEvent | HealthStatusChangedEvent | InstanceHealthChangedEvent | ApiPostEvent | DeploymentEvent | AppTerminatedEvent;

/**
 * What mmsd asks Marathon's event stream for (`event_type=`, Marathon 1.3.7+; older ones send
 * everything) when no plugin taps `onMarathonEvent`: the events it acts on, and the stream's
 * own first frame. A task start is six events, of which three (`instance_changed_event`) change
 * nothing here: not sending them saves Marathon the writes and mmsd the parsing.
 */
export const ROUTED_EVENT_TYPES: readonly RoutedEvent['eventType'][] = [
  'status_update_event',
  'health_status_changed_event',
  'instance_health_changed_event',
  'api_post_event',
  'deployment_success',
  'deployment_failed',
  'app_terminated_event',
];
export const STREAM_EVENT_TYPES: readonly string[] = [...ROUTED_EVENT_TYPES, 'event_stream_attached'];

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * The event as one the agent acts on, its fields checked (they come from Marathon: untrusted),
 * so that a `switch` on `eventType` narrows it; `undefined` for any other event type, and for
 * one without the fields it is acted on by (an app id, a task or instance id).
 */
export function parseEvent(event: MarathonEvent): RoutedEvent | undefined {
  const e = event as Record<string, unknown>;
  switch (event.eventType) {
    case 'status_update_event':
      return isString(e.appId) && isString(e.taskId) && isString(e.taskStatus) ? (event as StatusUpdateEvent) : undefined;
    case 'health_status_changed_event':
    case 'instance_health_changed_event':
      return (isString(e.appId) || isString(e.runSpecId)) && (isString(e.instanceId) || isString(e.taskId)) ? (event as HealthStatusChangedEvent | InstanceHealthChangedEvent) : undefined;
    case 'api_post_event': {
      const definition = e.appDefinition as { id?: unknown } | undefined;
      return definition && typeof definition === 'object' && typeof definition.id === 'string' ? (event as ApiPostEvent) : undefined;
    }
    case 'deployment_success':
    case 'deployment_failed':
      return event as DeploymentEvent;
    case 'app_terminated_event':
      return isString(e.appId) ? (event as AppTerminatedEvent) : undefined;
    default:
      return undefined;
  }
}

/**
 * What a health event says: of which app, which instance (1.4+) or task (≤1.3), alive or not
 * (`null`: unknown). Either event type is read with either field name.
 */
export function healthOf(event: HealthStatusChangedEvent | InstanceHealthChangedEvent): { appId: string; id: string; alive: boolean | null } {
  const e = event as { appId?: string; runSpecId?: string; instanceId?: string; taskId?: string; alive?: boolean; healthy?: boolean | null };
  const alive = event.eventType === 'health_status_changed_event' ? (e.alive ?? null) : (e.healthy ?? null);
  return { appId: (isString(e.appId) ? e.appId : e.runSpecId)!, id: (isString(e.instanceId) ? e.instanceId : e.taskId)!, alive };
}

/** The apps a deployment touched, each with its actions (ScaleApplication, StopApplication, …). */
export function deploymentApps(event: DeploymentEvent): Map<string, string[]> {
  const apps = new Map<string, string[]>();
  for (const step of event.plan?.steps ?? []) {
    for (const action of step.actions ?? []) {
      if (!action.app) continue;
      apps.set(action.app, [...(apps.get(action.app) ?? []), action.action ?? '']);
    }
  }
  return apps;
}
