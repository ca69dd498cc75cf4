import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { FileHelpers, WriteOutcome } from '../plugins/types.js';

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes `content` to `path` atomically (a temp file in the same directory, fsynced, then
 * renamed over it), unless the file already holds exactly that content: then it is not
 * touched at all and keeps its mtime. Creates missing directories.
 */
export async function writeIfChanged(path: string, content: string, options: { mode?: number } = {}): Promise<WriteOutcome> {
  const existing = await readIfExists(path);
  if (existing === content) return 'unchanged';
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, content, { encoding: 'utf8', ...(options.mode !== undefined ? { mode: options.mode } : {}) });
  return existing === undefined ? 'created' : 'updated';
}

export async function removeIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export const fileHelpers: FileHelpers = {
  write: writeIfChanged,
  remove: removeIfExists,
  read: readIfExists,
};
