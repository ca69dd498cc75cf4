export interface RelayOptions {
  /** The port the relay serves Marathon's API on. */
  port: number;
  /** The address it binds (loopback unless configured otherwise). */
  bind: string;
  /** `auth.basic`: `user:password` every request must carry (HTTP basic auth), as Marathon's `--http_credentials`. */
  auth?: { basic: string };
  /** HTTPS with this certificate and key (PEM files; relative paths are relative to the config file). */
  tls?: { cert: string; key: string };
  /** Events a reader may be behind before it is disconnected (Marathon's `--event_stream_max_outstanding_messages`). */
  maxOutstanding: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    bind: { type: 'string', minLength: 1, default: '127.0.0.1' },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['basic'],
      properties: { basic: { type: 'string', pattern: '^[^:]+:.*$' } },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['cert', 'key'],
      properties: { cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
    },
    maxOutstanding: { type: 'integer', minimum: 1, default: 1024 },
  },
} as const;
