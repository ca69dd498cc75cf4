import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { MmsdError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MarathonApp } from '../marathon/types.js';
import { toMarathonApp } from '../model/to-marathon.js';
import type { App } from '../model/types.js';
import type { MetricsHelpers } from '../plugins/api.js';
import type { BackoffOptions } from '../util/backoff.js';
import { atomicWrite, fileHelpers, readIfExists, removeStaleTemps } from '../util/files.js';
import { RetryingFileWriter } from '../util/retrying-files.js';

const FORMAT = 1;

/** The last good state, as a Marathon `/v2/apps?embed=apps.tasks` body plus where it came from. */
export interface StateFileContent {
  mmsd: { format: number; savedAt: string; syncedAt?: string; endpoints: string[] };
  apps: MarathonApp[];
}

export interface PersistedState {
  apps: MarathonApp[];
  syncedAt?: string;
  savedAt: string;
}

/** Endpoints compare by set: the state of one cluster never seeds an agent of another. */
function sameEndpoints(a: readonly string[], b: readonly string[]): boolean {
  const norm = (list: readonly string[]) => [...new Set(list.map((e) => e.replace(/\/+$/, '')))].sort().join(' ');
  return norm(a) === norm(b);
}

type StateMeta = { endpoints: readonly string[]; syncedAt?: string };

function headerOf(meta: StateMeta): StateFileContent['mmsd'] {
  return {
    format: FORMAT,
    savedAt: new Date().toISOString(),
    ...(meta.syncedAt ? { syncedAt: meta.syncedAt } : {}),
    endpoints: [...meta.endpoints],
  };
}

function* chunks(header: StateFileContent['mmsd'], apps: Iterable<App>): Generator<string> {
  yield `{"mmsd":${JSON.stringify(header)},"apps":[`;
  let first = true;
  let batch: string[] = [];
  for (const app of apps) {
    batch.push(`${first ? '' : ','}${JSON.stringify(toMarathonApp(app))}`);
    first = false;
    if (batch.length === 500) {
      yield batch.join('');
      batch = [];
    }
  }
  yield `${batch.join('')}]}\n`;
}

/**
 * Writes atomically, app by app: a large cluster's state is never one big string in memory (it
 * would double mmsd's peak memory right after a full sync).
 */
async function writeState(path: string, header: StateFileContent['mmsd'], apps: Iterable<App>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await atomicWrite(path, chunks(header, apps), { mode: 0o600 });
}

/**
 * The agent's state file: a save that fails is logged once and retried with backoff until it
 * lands; a newer save supersedes a pending one (an older state never lands over a newer one).
 */
export class StateFileWriter {
  private readonly writes: RetryingFileWriter;
  private readonly log: Logger;

  constructor(options: { log: Logger; metrics?: MetricsHelpers; backoff?: BackoffOptions }) {
    this.log = options.log;
    this.writes = new RetryingFileWriter(fileHelpers, { owner: 'core', ...options });
  }

  /**
   * Saves the state (`apps` is called at every attempt: it must give the same apps each time,
   * e.g. those of one snapshot). True when it landed now; when not, it is retried.
   */
  save(path: string, apps: () => Iterable<App>, meta: StateMeta): Promise<boolean> {
    const header = headerOf(meta);
    return this.writes.apply(path, () => writeState(path, header, apps()));
  }

  /** At start: the temp files of the state file that a killed mmsd left (they can be as big as the state). */
  async removeStaleTemps(path: string): Promise<void> {
    try {
      const removed = await removeStaleTemps(dirname(path), (name) => name === basename(path));
      if (removed.length === 0) return;
      const megabytes = removed.reduce((sum, temp) => sum + temp.bytes, 0) / 2 ** 20;
      this.log.info('removed %d temp %s of the state file left by a killed mmsd in %s (%s MB)', removed.length, removed.length === 1 ? 'file' : 'files', dirname(path), megabytes.toFixed(1));
    } catch (error) {
      this.log.warn('cannot clean up temp files of the state file in %s: %s', dirname(path), describeError(error));
    }
  }

  get pending(): number {
    return this.writes.pending;
  }

  retryNow(): Promise<void> {
    return this.writes.retryNow();
  }

  stop(): Promise<void> {
    return this.writes.stop();
  }
}

/**
 * Reads the state saved by an earlier run. Returns undefined when there is none, when it is
 * of another format, or when it was saved for other Marathon endpoints.
 */
export async function loadState(path: string, endpoints: readonly string[]): Promise<PersistedState | undefined> {
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  let content: StateFileContent;
  try {
    content = JSON.parse(text) as StateFileContent;
  } catch (error) {
    throw new MmsdError('EMMSD_STATE_FILE', `the state file ${path} is not valid JSON: ${describeError(error)}`, {
      cause: error,
      hint: 'delete it; mmsd writes a new one after the next sync',
    });
  }
  if (content?.mmsd?.format !== FORMAT || !Array.isArray(content.apps)) return undefined;
  if (!sameEndpoints(content.mmsd.endpoints ?? [], endpoints)) return undefined;
  return {
    apps: content.apps,
    savedAt: content.mmsd.savedAt,
    ...(content.mmsd.syncedAt ? { syncedAt: content.mmsd.syncedAt } : {}),
  };
}
