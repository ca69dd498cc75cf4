import type { Counter, Histogram, MetricsHelpers } from '@mmsd/core';

export interface HaproxyMetrics {
  reloads: Counter;
  reloadSeconds: Histogram;
  checks: Counter;
  runtimeCommands: Counter;
  starts: Counter;
}

/** The handler's metrics (docs/haproxy.md lists them). */
export function haproxyMetrics(m: MetricsHelpers): HaproxyMetrics {
  return {
    reloads: m.counter('mmsd_haproxy_reloads_total', 'HAProxy reloads, by outcome (ok, failed)', ['outcome']),
    reloadSeconds: m.histogram('mmsd_haproxy_reload_duration_seconds', 'From saving the server states to the new worker answering', [], [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
    checks: m.counter('mmsd_haproxy_config_checks_total', 'Candidate configs checked with haproxy -c, by outcome (passed, failed)', ['outcome']),
    runtimeCommands: m.counter('mmsd_haproxy_runtime_commands_total', 'Runtime API commands sent, by outcome (ok, retried, refused)', ['outcome']),
    starts: m.counter('mmsd_haproxy_starts_total', 'HAProxy started by mmsd, by reason (initial, died)', ['reason']),
  };
}
