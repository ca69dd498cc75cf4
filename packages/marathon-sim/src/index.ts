// @mmsd/marathon-sim: a Marathon 1.10 for tests, demos, benchmarks and plugin authors.
export { MarathonSimulator } from './simulator.js';
export type { Faults, LaunchTiming, Placement, RequestRecord, SimulatorOptions } from './simulator.js';
export { generateCluster } from './cluster.js';
export type { ClusterOptions } from './cluster.js';
export { startDemo } from './demo.js';
export type { DemoOptions } from './demo.js';
export { sampleApps, SAMPLE_AGENTS, SAMPLE_APPS_FILE, SAMPLE_EVENTS_FILE } from './samples.js';
export { restJson, eventJson } from './json.js';
export { normalizeDefinition } from './app-definition.js';
export type { AppJson, TaskJson } from './app-definition.js';
export { instanceIdOfTask, safePath } from './ids.js';
export type { SimEvent } from './events.js';
