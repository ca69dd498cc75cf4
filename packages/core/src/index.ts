// @mmsd/core: the plugin API and the model, what a plugin sees (docs/writing-a-plugin.md).
// A host of the agent imports @mmsd/core/host; tests of plugins @mmsd/core/testing.

// Model and labels (docs/labels.md, docs/writing-a-plugin.md#payloads)
export type {
  App,
  AppChange,
  AppHealthCheck,
  Backend,
  BasicAuth,
  BackendHealth,
  ChangeSet,
  ChangeType,
  ExcludedService,
  ExclusionReason,
  HealthCheck,
  Labels,
  NetworkMode,
  PortSpec,
  Service,
  ServiceChange,
  Snapshot,
  Task,
  TaskChange,
  Transport,
} from './model/types.js';
export { LABEL, isVirtualHost, parseLabels, showValue } from './model/labels.js';
export type { ParsedLabels } from './model/labels.js';
export type { LabelDialect, LabelRules } from './model/marathon-lb.js';
export { MARATHON_LB_PORT_LABELS } from './model/marathon-lb.js';
export type { GroupMatcher } from './model/groups.js';
export { instanceIdOf, serviceBaseName, serviceName } from './model/ids.js';
export { appIdProblem, isAppId, isHostName, isIpLiteral, isPortNumber, taskProblem } from './model/validate.js';
export type { AddressLookup, ServiceBuildContext } from './model/services.js';
export type { AddressResolver, DnsResolverOptions } from './model/address-resolver.js';

// Marathon
export type { MarathonClientOptions, MarathonReader, RequestInfo } from './marathon/client.js';
export type { Endpoint, MarathonAuth } from './marathon/auth.js';
export type * from './marathon/types.js';

// State
export type { Publication, StoreOptions, TaskEventResult } from './state/store.js';

// Hooks and plugins (docs/writing-a-plugin.md)
export type { CreateHooksOptions, HookArgs, HookFailure, HookName, MmsdHooks, PluginHooks, PluginTap } from './plugins/hooks.js';
export { HOOK_TABLE } from './plugins/hooks.js';
export { definePlugin } from './plugins/define-plugin.js';
export type {
  Artifact,
  Counter,
  Exec,
  ExecResult,
  FileHelpers,
  Gauge,
  Histogram,
  MetricsHelpers,
  MmsdPlugin,
  OptionsSchema,
  PluginContext,
  PluginHealth,
  RetryingFiles,
  RetryingFilesOptions,
  RetryingWriteOptions,
  RunMode,
  StaleTemp,
  StartContext,
  WriteOptions,
  WriteOutcome,
  FileContent,
} from './plugins/api.js';

// Config (docs/configuration.md)
export type { ConfigSource, LoadedConfig, MmsdConfig, PluginEntry } from './config/types.js';


// Support
export { MmsdError, isMmsdError, describeError } from './errors.js';
export type { MmsdErrorCode, MmsdErrorOptions } from './errors.js';
export type { Logger, LogFormat, LogLevel, LoggedProblem } from './log.js';
