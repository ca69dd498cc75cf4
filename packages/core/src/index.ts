// @mmsd/core: everything mmsd knows about Marathon, the model, hooks, plugins and config.

// Model and labels (docs/labels.md, docs/writing-a-plugin.md#payloads)
export type {
  App,
  AppChange,
  AppHealthCheck,
  Backend,
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
export { createGroupMatcher } from './model/groups.js';
export type { GroupMatcher } from './model/groups.js';
export { taskHealth, TERMINAL_TASK_STATES } from './model/health.js';
export { instanceIdOf, serviceBaseName, serviceName } from './model/ids.js';
export { normalizeApp, InvalidAppError } from './model/normalize-app.js';
export { appIdProblem, isAppId, isHostName, isIpLiteral, isPortNumber, taskProblem } from './model/validate.js';
export { buildServices, compareBackends, sameService, sameServiceDefinition } from './model/services.js';
export type { AddressLookup, ServiceBuildContext } from './model/services.js';
export { toMarathonApp, toMarathonTask } from './model/to-marathon.js';
export { createDnsResolver, createStaticResolver } from './model/address-resolver.js';
export type { AddressResolver, DnsResolverOptions } from './model/address-resolver.js';

// Marathon
export { MarathonClient } from './marathon/client.js';
export type { MarathonClientOptions, MarathonReader, RequestInfo } from './marathon/client.js';
export { MarathonEventStream } from './marathon/event-stream.js';
export type { EventStreamOptions } from './marathon/event-stream.js';
export { authorizationHeader, parseEndpoint } from './marathon/auth.js';
export type { Endpoint, MarathonAuth } from './marathon/auth.js';
export { MARATHON_EVENT_TYPES } from './marathon/types.js';
export type * from './marathon/types.js';

// State
export { StateStore } from './state/store.js';
export type { Publication, StoreOptions, TaskEventResult } from './state/store.js';
export { Coalescer } from './publish/coalescer.js';
export type { CoalescerOptions } from './publish/coalescer.js';
export { loadState, saveState, StateFileWriter } from './persist/state-file.js';
export type { PersistedState, StateFileContent } from './persist/state-file.js';

// Hooks and plugins (docs/writing-a-plugin.md)
export { createHooks, scopeHooks, HOOK_NAMES } from './plugins/hooks.js';
export type { CreateHooksOptions, HookArgs, HookFailure, HookName, MmsdHooks, PluginHooks } from './plugins/hooks.js';
export { HOOK_TABLE } from './plugins/hooks.js';
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
  RetryingFiles,
  RetryingFilesOptions,
  RetryingWriteOptions,
  RunMode,
  StaleTemp,
  StartContext,
  WriteOptions,
  WriteOutcome,
  FileContent,
} from './plugins/types.js';
export { candidateNames, loadPlugins, normalizeEntry } from './plugins/load-plugins.js';
export type { LoadedPlugin, LoadPluginsOptions } from './plugins/load-plugins.js';
export { PluginSet } from './plugins/plugin-set.js';
export type { PluginRuntime } from './plugins/plugin-set.js';

// Config (docs/configuration.md)
export { loadConfig, defaultSystemDir, MODULE_NAME } from './config/load-config.js';
export type { ConfigOverrides, LoadConfigOptions } from './config/load-config.js';
export { configSchema, DEFAULTS } from './config/schema.js';
export type { ConfigSource, LoadedConfig, MmsdConfig, PluginEntry } from './config/types.js';

// Agent and the one-shot commands
export { Agent } from './agent.js';
export type { AgentOptions } from './agent.js';
export { syncOnce, renderArtifacts } from './one-shot.js';
export type { SyncOnceOptions } from './one-shot.js';
export { AgentMetrics } from './metrics.js';

// Support
export { ERROR_EXIT_STATUS, MmsdError, isMmsdError, describeError, errorMessage } from './errors.js';
export type { MmsdErrorCode, MmsdErrorOptions } from './errors.js';
export { createLogger, setLogLevel, silentLogger, isLogLevel, LOG_LEVELS, namespacesForLevel } from './log.js';
export type { Logger, LogLevel } from './log.js';
export { atomicWrite, fileHelpers, writeIfChanged, removeIfExists, readIfExists, removeStaleTemps } from './util/files.js';
export { RetryingFileWriter, writeFailureHint } from './util/retrying-files.js';
export { exec } from './util/exec.js';
export { Backoff } from './util/backoff.js';
export type { BackoffOptions } from './util/backoff.js';
