import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The sample cluster (six apps in Marathon 1.10's shape; see fixtures/README.md). */
export const SAMPLE_APPS_FILE = fileURLToPath(new URL('../fixtures/apps-embed-tasks.json', import.meta.url));
/** A recorded event stream of the same cluster, in Marathon 1.10's exact wire bytes. */
export const SAMPLE_EVENTS_FILE = fileURLToPath(new URL('../fixtures/events.sse', import.meta.url));

export function sampleApps(): { apps: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(SAMPLE_APPS_FILE, 'utf8')) as { apps: Record<string, unknown>[] };
}

/** The agents of the sample cluster and their IPs (as the tasks' ipAddresses show them). */
export const SAMPLE_AGENTS: Readonly<Record<string, string>> = Object.freeze({
  'mesos-agent-1.dc1.example.internal': '10.0.1.11',
  'mesos-agent-2.dc1.example.internal': '10.0.1.12',
  'mesos-agent-3.dc1.example.internal': '10.0.1.13',
});
