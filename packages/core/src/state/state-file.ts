import { MmsdError, describeError } from '../errors.js';
import type { MarathonApp } from '../marathon/types.js';
import { toMarathonApp } from '../model/to-marathon.js';
import type { App } from '../model/types.js';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { atomicWrite, readIfExists } from '../util/files.js';

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

/**
 * Saves the state atomically, app by app: a large cluster's state is never one big string in
 * memory (it would double mmsd's peak memory right after a full sync).
 */
export async function saveState(
  path: string,
  apps: Iterable<App>,
  meta: { endpoints: readonly string[]; syncedAt?: string },
): Promise<void> {
  const header: StateFileContent['mmsd'] = {
    format: FORMAT,
    savedAt: new Date().toISOString(),
    ...(meta.syncedAt ? { syncedAt: meta.syncedAt } : {}),
    endpoints: [...meta.endpoints],
  };
  function* chunks(): Generator<string> {
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
  try {
    await mkdir(dirname(path), { recursive: true });
    await atomicWrite(path, chunks(), { mode: 0o600 });
  } catch (error) {
    throw new MmsdError('EMMSD_STATE_FILE', `cannot write the state file ${path}: ${describeError(error)}`, {
      cause: error,
      hint: 'make its directory writable for mmsd, or set stateFile to another path (or false)',
    });
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
