// The metrics contracts of the plugin API (re-exported by plugins/api.ts).

export interface Counter {
  inc(labels?: Record<string, string>, value?: number): void;
}
export interface Gauge {
  set(labels: Record<string, string> | number, value?: number): void;
}
export interface Histogram {
  observe(labels: Record<string, string> | number, value?: number): void;
}

/** Prometheus metrics in mmsd's registry, without depending on prom-client. */
export interface MetricsHelpers {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  histogram(name: string, help: string, labelNames?: readonly string[], buckets?: readonly number[]): Histogram;
}
