/**
 * The parts of Marathon's JSON that mmsd reads, covering the ≤1.4 and ≥1.5 shapes
 * (docs/marathon-api.md, "Apps" and "Tasks"). Everything is optional or nullable
 * because Marathon versions differ in what they write; the model normalizes it.
 */
export type MarathonLabels = Record<string, string>;

export interface MarathonPortDefinition {
  port?: number;
  protocol?: string;
  name?: string;
  labels?: MarathonLabels | null;
}

export interface MarathonPortMapping {
  containerPort?: number;
  hostPort?: number | null;
  servicePort?: number;
  protocol?: string;
  name?: string;
  labels?: MarathonLabels | null;
}

export interface MarathonDiscoveryPort {
  number?: number;
  name?: string;
  protocol?: string;
  labels?: MarathonLabels | null;
}

export interface MarathonHealthCheck {
  protocol?: string;
  portIndex?: number | null;
  port?: number | null;
  path?: string | null;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  gracePeriodSeconds?: number;
  maxConsecutiveFailures?: number;
  ignoreHttp1xx?: boolean;
  delaySeconds?: number;
  ipProtocol?: string;
  command?: unknown;
}

export interface MarathonHealthResult {
  alive?: boolean;
  consecutiveFailures?: number;
  firstSuccess?: string | null;
  lastSuccess?: string | null;
  lastFailure?: string | null;
  lastFailureCause?: string | null;
  instanceId?: string;
  taskId?: string;
}

export interface MarathonIpAddress {
  ipAddress: string;
  protocol?: string;
}

export interface MarathonTask {
  id: string;
  appId?: string;
  host?: string;
  ports?: number[] | null;
  ipAddresses?: MarathonIpAddress[] | null;
  state?: string;
  startedAt?: string | null;
  stagedAt?: string | null;
  version?: string | null;
  slaveId?: string | null;
  healthCheckResults?: (MarathonHealthResult | null)[] | null;
  servicePorts?: number[];
  [key: string]: unknown;
}

export interface MarathonNetwork {
  mode?: string;
  name?: string;
  labels?: MarathonLabels;
}

export interface MarathonContainer {
  type?: string;
  docker?: {
    image?: string;
    network?: string | null;
    portMappings?: MarathonPortMapping[] | null;
    [key: string]: unknown;
  } | null;
  portMappings?: MarathonPortMapping[] | null;
  [key: string]: unknown;
}

export interface MarathonApp {
  id: string;
  version?: string;
  instances?: number;
  labels?: MarathonLabels | null;
  networks?: MarathonNetwork[];
  portDefinitions?: MarathonPortDefinition[] | null;
  ports?: number[] | null;
  requirePorts?: boolean;
  container?: MarathonContainer | null;
  ipAddress?: {
    networkName?: string;
    discovery?: { ports?: MarathonDiscoveryPort[] | null } | null;
    [key: string]: unknown;
  } | null;
  healthChecks?: MarathonHealthCheck[] | null;
  tasks?: MarathonTask[] | null;
  [key: string]: unknown;
}

export interface MarathonAppsResponse {
  apps: MarathonApp[];
}

// ---------------------------------------------------------------------------------------------
// Events (docs/marathon-api.md, "Events"). Field names as on the wire; older versions are noted.

interface EventBase {
  eventType: string;
  timestamp?: string;
}

export interface StatusUpdateEvent extends EventBase {
  eventType: 'status_update_event';
  slaveId?: string;
  taskId: string;
  taskStatus: string;
  message?: string;
  appId: string;
  host?: string;
  ipAddresses?: MarathonIpAddress[] | null;
  ports?: number[] | null;
  version?: string;
}

export interface HealthStatusChangedEvent extends EventBase {
  eventType: 'health_status_changed_event';
  appId: string;
  /** 1.4+ */
  instanceId?: string;
  /** ≤1.3 */
  taskId?: string;
  version?: string;
  alive: boolean;
}

export interface InstanceHealthChangedEvent extends EventBase {
  eventType: 'instance_health_changed_event';
  instanceId: string;
  runSpecId: string;
  healthy: boolean | null;
  runSpecVersion?: string;
}

export interface InstanceChangedEvent extends EventBase {
  eventType: 'instance_changed_event';
  instanceId: string;
  condition: string;
  runSpecId: string;
  agentId?: string | null;
  host?: string | null;
  runSpecVersion?: string;
}

export interface ApiPostEvent extends EventBase {
  eventType: 'api_post_event';
  clientIp?: string;
  uri?: string;
  appDefinition?: MarathonApp;
}

export interface DeploymentPlan {
  id?: string;
  steps?: { actions?: { action?: string; app?: string; pod?: string }[] }[];
  version?: string;
  original?: unknown;
  target?: unknown;
}

export interface DeploymentEvent extends EventBase {
  eventType: 'deployment_success' | 'deployment_failed' | 'deployment_info' | 'deployment_step_success' | 'deployment_step_failure';
  id?: string;
  plan?: DeploymentPlan;
  currentStep?: { actions?: { action?: string; app?: string; pod?: string }[] };
  reason?: string;
}

export interface AppTerminatedEvent extends EventBase {
  eventType: 'app_terminated_event';
  appId: string;
}

export interface StreamAttachEvent extends EventBase {
  eventType: 'event_stream_attached' | 'event_stream_detached';
  remoteAddress?: string;
}

/** Any other event Marathon sends: passed to `onMarathonEvent` as it came. */
export interface OtherMarathonEvent extends EventBase {
  [key: string]: unknown;
}

export type MarathonEvent =
  | StatusUpdateEvent
  | HealthStatusChangedEvent
  | InstanceHealthChangedEvent
  | InstanceChangedEvent
  | ApiPostEvent
  | DeploymentEvent
  | AppTerminatedEvent
  | StreamAttachEvent
  | OtherMarathonEvent;

