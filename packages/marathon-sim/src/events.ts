import { timestamp } from './ids.js';

/** Builders for the events Marathon 1.10 emits, keys in wire order (docs/marathon-api.md#events). */
type Json = Record<string, unknown>;
export type SimEvent = { eventType: string } & Json;

export function statusUpdate(task: Json, taskStatus: string, message = ''): SimEvent {
  return {
    slaveId: task.slaveId,
    taskId: task.id,
    taskStatus,
    message,
    appId: task.appId,
    host: task.host,
    ipAddresses: task.ipAddresses ?? [],
    ports: task.ports ?? [],
    version: task.version,
    eventType: 'status_update_event',
    timestamp: timestamp(),
  };
}

export function instanceChanged(task: Json, instanceId: string, condition: string): SimEvent {
  return {
    instanceId,
    condition,
    runSpecId: task.appId,
    agentId: task.slaveId,
    host: task.host,
    runSpecVersion: task.version,
    timestamp: timestamp(),
    eventType: 'instance_changed_event',
  };
}

export function healthStatusChanged(appId: string, instanceId: string, version: unknown, alive: boolean, legacy = false): SimEvent {
  return {
    appId,
    ...(legacy ? { taskId: instanceId } : { instanceId }),
    version,
    alive,
    eventType: 'health_status_changed_event',
    timestamp: timestamp(),
  };
}

export function instanceHealthChanged(appId: string, instanceId: string, version: unknown, healthy: boolean | null): SimEvent {
  return {
    instanceId,
    runSpecId: appId,
    healthy,
    runSpecVersion: version,
    timestamp: timestamp(),
    eventType: 'instance_health_changed_event',
  };
}

export function failedHealthCheck(appId: string, instanceId: string, healthCheck: Json): SimEvent {
  return { appId, eventType: 'failed_health_check_event', healthCheck, taskId: instanceId, timestamp: timestamp() };
}

export function apiPost(uri: string, appDefinition: Json, clientIp = '127.0.0.1'): SimEvent {
  return { clientIp, uri, appDefinition, eventType: 'api_post_event', timestamp: timestamp() };
}

export function groupChangeSuccess(version: string, groupId = '/'): SimEvent {
  return { groupId, version, eventType: 'group_change_success', timestamp: timestamp() };
}

export interface Plan {
  id: string;
  steps: { actions: { action: string; app: string }[] }[];
  version: string;
}

export function deploymentInfo(plan: Plan): SimEvent {
  return { plan, currentStep: plan.steps[0], eventType: 'deployment_info', timestamp: timestamp() };
}

export function deploymentStepSuccess(plan: Plan): SimEvent {
  return { plan, currentStep: plan.steps[0], eventType: 'deployment_step_success', timestamp: timestamp() };
}

export function deploymentSuccess(plan: Plan): SimEvent {
  return { id: plan.id, plan, eventType: 'deployment_success', timestamp: timestamp() };
}

export function appTerminated(appId: string): SimEvent {
  return { appId, eventType: 'app_terminated_event', timestamp: timestamp() };
}
