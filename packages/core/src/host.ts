// @mmsd/core/host: what a host of the agent needs (the CLI, the benchmarks, end-to-end tests):
// the agent and the one-shot commands, config and plugin loading, logging, the error catalogue.
export { Agent } from './agent.js';
export type { AgentOptions } from './agent.js';
export { syncOnce, renderArtifacts } from './one-shot.js';
export type { SyncOnceOptions } from './one-shot.js';
export { AgentMetrics } from './metrics.js';
export { loadConfig, defaultSystemDir, MODULE_NAME } from './config/load-config.js';
export type { ConfigOverrides, LoadConfigOptions } from './config/load-config.js';
export { loadPlugins } from './plugins/load-plugins.js';
export type { LoadedPlugin, LoadPluginsOptions } from './plugins/load-plugins.js';
export { PluginSet } from './plugins/plugin-set.js';
export type { PluginRuntime } from './plugins/plugin-set.js';
export { createLogger, setLogFormat, setLogLevel, LOG_FORMATS, LOG_LEVELS } from './log.js';
export { AgentHealth } from './health.js';
export type { HandlerHealth, HealthReport } from './health.js';
export { configSchema } from './config/schema.js';
export { ERROR_EXIT_STATUS, MmsdError, isMmsdError, describeError } from './errors.js';
