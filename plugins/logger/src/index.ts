import type { MmsdPlugin } from '@mmsd/core';
import type { LogFormat, LogRecord } from './format.js';
import { appRecord, formatRecord, snapshotRecord, taskRecord } from './format.js';

export interface LoggerOptions {
  /** `text` (default): one readable line per change; `json`: one JSON object per line. */
  format: LogFormat;
  /** Where the lines go (default stdout). */
  output: 'stdout' | 'stderr';
}

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { enum: ['text', 'json'], default: 'text' },
    output: { enum: ['stdout', 'stderr'], default: 'stdout' },
  },
};

/**
 * Marathoner's logger as an mmsd plugin: one line per app or task change (what, which app,
 * which task, host:port, health before → after), and the first snapshot summarized in one line.
 */
const logger: MmsdPlugin<LoggerOptions> = {
  name: 'logger',
  mmsd: '^0.1.0',
  optionsSchema,
  apply(hooks, ctx) {
    const stream = ctx.options.output === 'stderr' ? process.stderr : process.stdout;
    const write = (record: LogRecord): void => {
      stream.write(`${formatRecord(record, ctx.options.format)}\n`);
    };
    const now = () => new Date().toISOString();
    hooks.onSnapshot.tap((snapshot, changes) => {
      if (changes.initial) write(snapshotRecord(snapshot, changes, now()));
    });
    hooks.onAppChanged.tap((change) => write(appRecord(change, now())));
    hooks.onTaskChanged.tap((change) => write(taskRecord(change, now())));
  },
};

export default logger;
export type { LogFormat, LogRecord } from './format.js';
export { appRecord, formatRecord, snapshotRecord, taskRecord } from './format.js';
