import { LOG_FORMATS, LOG_LEVELS } from '../log.js';

/** JSON schema of the config file (docs/configuration.md#the-file). Unknown keys are errors. */
export const configSchema = {
  $id: 'https://mmsd.dev/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    marathon: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoints: {
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'array', items: { type: 'string', minLength: 1 } },
          ],
        },
        auth: {
          type: 'object',
          additionalProperties: false,
          properties: {
            basic: { type: 'string', pattern: ':', description: 'user:password' },
            token: { type: 'string', minLength: 1 },
          },
        },
        resyncInterval: { type: 'number', exclusiveMinimum: 0 },
        timeout: { type: 'number', exclusiveMinimum: 0 },
        streamTimeout: { type: 'number', exclusiveMinimum: 0 },
        mode: { enum: ['events', 'poll'] },
        pollInterval: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    groups: {
      anyOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'string' } },
      ],
    },
    coalesce: { type: 'integer', minimum: 0 },
    labels: { enum: ['mmsd', 'marathon-lb', 'both'] },
    strictMode: { type: 'boolean' },
    // Accepted and ignored: it bounded the wait of a clock window that no longer exists.
    coalesceMaxWait: { type: 'integer', minimum: 0 },
    stateFile: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { const: false },
      ],
    },
    logLevel: { enum: [...LOG_LEVELS] },
    logFormat: { enum: [...LOG_FORMATS] },
    dns: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ttl: { type: 'number', minimum: 0 },
        hosts: { type: 'object', additionalProperties: { type: 'string', minLength: 2 } },
      },
    },
    dropGuard: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ratio: { type: 'number', minimum: 0, maximum: 1 },
        minBackends: { type: 'integer', minimum: 0 },
        confirmDelay: { type: 'number', minimum: 0 },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        bind: { type: 'string', minLength: 1 },
      },
    },
    health: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxStateAge: { type: 'number', exclusiveMinimum: 0 },
        handlerFailures: { type: 'integer', minimum: 1 },
      },
    },
    plugins: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'array',
            minItems: 1,
            maxItems: 2,
            items: [{ type: 'string', minLength: 1 }, { type: 'object' }],
          },
        ],
      },
    },
  },
} as const;

export const DEFAULTS = {
  resyncInterval: 300,
  timeout: 10,
  streamTimeout: 30,
  mode: 'events',
  pollInterval: 5,
  groups: ['*'],
  coalesce: 0,
  logLevel: 'info',
  logFormat: 'text',
  labels: 'both',
  strictMode: false,
  dnsTtl: 60,
  dropGuard: { ratio: 0.5, minBackends: 10, confirmDelay: 3 },
  metricsBind: '127.0.0.1',
  health: { maxStateAge: 120, handlerFailures: 3 },
} as const;
