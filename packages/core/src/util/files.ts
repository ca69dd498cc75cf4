import { lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { FileContent, FileHelpers, StaleTemp, WriteOptions, WriteOutcome } from '../plugins/api.js';
import { RetryingFileWriter } from './retrying-files.js';
import { ensureDirs } from './dirs.js';

export async function readIfExists(path: string): Promise<string | undefined> {
  return (await readBufferIfExists(path))?.toString('utf8');
}

async function readBufferIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

let sequence = 0;
/** Temp files of atomicWrite calls under way in this process. */
const writing = new Set<string>();
/** Read once: which permission bits `open` will take away (saves an fstat per write). */
const UMASK = process.umask();

/**
 * Replaces `path` atomically: the content (a string, or strings written one after the other)
 * goes to a hidden temp file in the same directory,
 * which is then renamed over `path`, so a reader sees the old file or the new one, never a
 * part. (write-file-atomic does the same with realpath, stat, chmod and unlink around it:
 * measured 4× slower per file on the machines we run on, which matters when a handler writes
 * thousands of files; see docs/performance.md.)
 */
export async function atomicWrite(
  path: string,
  content: FileContent | Iterable<string>,
  options: { mode?: number; fsync?: boolean } = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${++sequence}`);
  const mode = options.mode ?? 0o644;
  writing.add(temp);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      if (typeof content === 'string') await handle.writeFile(content, 'utf8');
      else if (isPieces(content)) await writePieces(handle, content);
      else for (const chunk of content) await handle.write(chunk, null, 'utf8');
      if ((mode & ~UMASK) !== mode) await handle.chmod(mode);
      if (options.fsync !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  } finally {
    writing.delete(temp);
  }
}

const isPieces = (content: unknown): content is readonly Uint8Array[] => Array.isArray(content);

/** writev takes at most IOV_MAX (1024) pieces at a time; a short write is an error, retried by the caller. */
async function writePieces(handle: FileHandle, pieces: readonly Uint8Array[]): Promise<void> {
  for (let i = 0; i < pieces.length; i += 1024) {
    const batch = pieces.slice(i, i + 1024);
    let expected = 0;
    for (const piece of batch) expected += piece.length;
    const { bytesWritten } = await handle.writev(batch);
    if (bytesWritten !== expected) throw Object.assign(new Error(`short write (${bytesWritten} of ${expected} bytes)`), { code: 'EIO' });
  }
}

function sameContent(existing: Buffer | undefined, content: FileContent): boolean {
  if (existing === undefined) return false;
  return typeof content === 'string' ? existing.toString('utf8') === content : existing.equals(Buffer.concat(content));
}

/**
 * Writes `content` to `path` atomically, unless the file already holds exactly that content:
 * then it is not touched at all and keeps its mtime. Creates missing directories.
 */
export async function writeIfChanged(path: string, content: FileContent, options: WriteOptions = {}): Promise<WriteOutcome> {
  const compare = options.compare !== false;
  const existing = compare ? await readBufferIfExists(path) : undefined;
  if (compare && sameContent(existing, content)) return 'unchanged';
  const write = () => atomicWrite(path, content, { ...(options.mode !== undefined ? { mode: options.mode } : {}), fsync: options.fsync !== false });
  try {
    await write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await write();
  }
  return compare && existing === undefined ? 'created' : 'updated';
}

async function removeIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** atomicWrite's temp names: `.<name>.tmp-<pid>-<sequence>`. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-\d+$/;
/** No write of ours leaves its temp file alone that long: a small file takes milliseconds, a big state file seconds. */
const ABANDONED_AFTER_MS = 60_000;

function processExists(pid: number): boolean {
  // 0 and negative numbers would address process groups.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 2 ** 31 - 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes from `dir` the temp files that atomic writes of a killed process left behind
 * (`.<name>.tmp-<pid>-<n>`, for the names `owns` accepts; nothing else is touched). One is
 * stale when no process has its pid; when it has this process's pid but no write of this
 * process uses it (an earlier run with the same pid, as in containers); or when nothing wrote to
 * it for a minute (its pid now belongs to another process). A temp file of a live process that
 * is being written (another mmsd on the same directory, which is not supported) is kept.
 */
export async function removeStaleTemps(dir: string, owns: (name: string) => boolean): Promise<StaleTemp[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: StaleTemp[] = [];
  await Promise.all(
    names.map(async (name) => {
      const match = TEMP_NAME.exec(name);
      if (!match || !owns(match[1]!)) return;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isFile()) return;
      const pid = Number(match[2]);
      const stale =
        pid === process.pid ? !writing.has(path) : !processExists(pid) || Date.now() - info.mtimeMs > ABANDONED_AFTER_MS;
      if (stale && (await removeIfExists(path))) removed.push({ name, bytes: info.size });
    }),
  );
  return removed.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export const fileHelpers: FileHelpers = {
  write: writeIfChanged,
  remove: removeIfExists,
  read: readIfExists,
  removeStaleTemps,
  retrying: (options) => new RetryingFileWriter(fileHelpers, options),
  ensureDirs,
};
