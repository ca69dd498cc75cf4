import { mkdir, stat } from 'node:fs/promises';
import { MmsdError } from '../errors.js';

/** A directory mmsd needs, and the option that chose it (for the error that names both). */
export interface RuntimeDir {
  readonly path: string;
  readonly option: string;
}

/**
 * Creates the directories mmsd will write sockets, pid, state, logs and data into (mode 0755
 * unless given: readable for the tools that read them, writable only by mmsd's user), or fails
 * with the path and the option that names it. Run at start, so that a missing or unwritable
 * directory is an error an operator sees at once, never a component retrying forever.
 */
export async function ensureDirs(dirs: readonly RuntimeDir[], mode = 0o755): Promise<void> {
  const seen = new Set<string>();
  for (const { path, option } of dirs) {
    if (seen.has(path)) continue;
    seen.add(path);
    try {
      await mkdir(path, { recursive: true, mode });
      if (!(await stat(path)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new MmsdError('EMMSD_RUNTIME_DIR', `cannot create the directory ${path} (option ${option}): ${code}`, {
        cause: error,
        hint: `create ${path} for the user mmsd runs as, or set ${option} to a path in a directory mmsd may write`,
        details: { path, option },
      });
    }
  }
}
