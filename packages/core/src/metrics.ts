import { createServer } from 'node:http';
import type { HealthReport } from './health.js';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type * as PromClient from 'prom-client';
import type { MetricsHelpers } from './plugins/api.js';

type Inc<L extends string = string> = Pick<Counter<L>, 'inc'>;
type Assign<L extends string = string> = Pick<Gauge<L>, 'set'>;
type Observe<L extends string = string> = Pick<Histogram<L>, 'observe'>;

/** What metrics record when nobody can read them (no `metrics.port`): nothing. */
const NOTHING = Object.freeze({ inc() {}, set() {}, observe() {} });
const NO_HELPERS: MetricsHelpers = { counter: () => NOTHING, gauge: () => NOTHING, histogram: () => NOTHING };

/**
 * mmsd's own metrics, in a registry of its own (not prom-client's global one). Without
 * `metrics.port` nothing can read them, and prom-client is not even loaded (`enabled` false):
 * 1–3 MB of mmsd's 80 at 100 apps (measured; within the noise of one run).
 */
export class AgentMetrics {
  readonly registry: Registry;
  readonly events: Inc<'type'>;
  readonly requests: Inc<'kind' | 'outcome'>;
  readonly requestSeconds: Observe<'kind'>;
  readonly syncs: Inc<'kind' | 'outcome'>;
  readonly streamReconnects: Inc;
  readonly hookFailures: Inc<'hook' | 'plugin'>;
  readonly publishSeconds: Observe;
  readonly services: Assign<'state'>;
  readonly rejectedTasks: Assign;
  readonly lastSync: Assign;
  readonly helpers: MetricsHelpers;
  private defaults = false;
  private readonly prom: typeof PromClient | undefined;

  constructor(enabled = true) {
    if (!enabled) {
      this.prom = undefined;
      this.registry = undefined as unknown as Registry;
      this.events = this.requests = this.syncs = this.streamReconnects = this.hookFailures = NOTHING;
      this.requestSeconds = this.publishSeconds = NOTHING;
      this.services = this.rejectedTasks = this.lastSync = NOTHING;
      this.helpers = NO_HELPERS;
      return;
    }
    // prom-client is CommonJS: required synchronously, and only here.
    const prom = createRequire(import.meta.url)('prom-client') as typeof PromClient;
    this.prom = prom;
    const { Counter, Gauge, Histogram, Registry } = prom;
    this.registry = new Registry();
    const registers = [this.registry];
    this.events = new Counter({ name: 'mmsd_marathon_events_total', help: 'Marathon events received, by type', labelNames: ['type'], registers });
    this.requests = new Counter({
      name: 'mmsd_marathon_requests_total',
      help: 'REST requests to Marathon, by kind (apps, app) and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'mmsd_marathon_request_duration_seconds',
      help: 'Duration of REST requests to Marathon',
      labelNames: ['kind'],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.syncs = new Counter({ name: 'mmsd_syncs_total', help: 'Full syncs, by kind and outcome', labelNames: ['kind', 'outcome'], registers });
    this.streamReconnects = new Counter({ name: 'mmsd_event_stream_reconnects_total', help: 'Event stream reconnects', registers });
    this.hookFailures = new Counter({
      name: 'mmsd_hook_failures_total',
      help: 'Plugin taps that threw, rejected or timed out, by hook and plugin',
      labelNames: ['hook', 'plugin'],
      registers,
    });
    this.publishSeconds = new Histogram({
      name: 'mmsd_publish_duration_seconds',
      help: 'Time to run the hooks for one snapshot',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.services = new Gauge({ name: 'mmsd_services', help: 'Services by state (exposed, excluded)', labelNames: ['state'], registers });
    this.rejectedTasks = new Gauge({
      name: 'mmsd_tasks_rejected',
      help: 'Tasks no handler routes to because Marathon sent a malformed host, port or IP',
      registers,
    });
    this.lastSync = new Gauge({ name: 'mmsd_last_sync_timestamp_seconds', help: 'Time of the last successful full sync', registers });

    const existing = <T>(name: string): T | undefined => this.registry.getSingleMetric(name) as T | undefined;
    type Counter = PromClient.Counter;
    type Gauge = PromClient.Gauge;
    type Histogram = PromClient.Histogram;
    this.helpers = {
      counter: (name, help, labelNames = []) => {
        const c = existing<Counter>(name) ?? new Counter({ name, help, labelNames: [...labelNames], registers });
        return { inc: (labels, value) => (labels ? c.inc(labels, value) : c.inc(value)) };
      },
      gauge: (name, help, labelNames = []) => {
        const g = existing<Gauge>(name) ?? new Gauge({ name, help, labelNames: [...labelNames], registers });
        return { set: (labels, value) => (typeof labels === 'number' ? g.set(labels) : g.set(labels, value ?? 0)) };
      },
      histogram: (name, help, labelNames = [], buckets) => {
        const h =
          existing<Histogram>(name) ??
          new Histogram({ name, help, labelNames: [...labelNames], ...(buckets ? { buckets: [...buckets] } : {}), registers });
        return { observe: (labels, value) => (typeof labels === 'number' ? h.observe(labels) : h.observe(labels, value ?? 0)) };
      },
    };
  }

  /**
   * Serves `/metrics` (Prometheus text format) and, given `health`, `/health` (its report as
   * JSON: 200 when ok, 503 when starting or unhealthy) until the returned server is closed. The
   * process metrics (memory, CPU, event loop lag) are collected only then: the event loop lag
   * monitor wakes the process every 100 ms (prom-client's default, 10 ms, was most of mmsd's
   * idle CPU, 13.5 ms per second).
   */
  serve(port: number, host: string, health?: () => HealthReport): Promise<Server> {
    if (!this.prom) throw new Error('metrics were created disabled: nothing to serve');
    if (!this.defaults) {
      this.prom.collectDefaultMetrics({ register: this.registry, prefix: 'mmsd_', eventLoopMonitoringPrecision: 100 });
      this.defaults = true;
    }
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (path === '/health' && health) {
        const report = health();
        response.writeHead(report.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      if (path !== '/metrics') {
        response.writeHead(404).end(`not found: try /metrics${health ? ' or /health' : ''}\n`);
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(`${error.message}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
