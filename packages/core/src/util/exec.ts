import { execFile } from 'node:child_process';
import type { Exec } from '../plugins/api.js';

/** Runs a program without a shell; never rejects for a non-zero exit (the code is in the result). */
export const exec: Exec = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      { shell: false, timeout: options.timeout ?? 30_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error && typeof code === 'string') {
          // The program could not be started at all (ENOENT, EACCES, …).
          reject(error);
          return;
        }
        resolve({
          code: error ? (typeof code === 'number' ? code : null) : 0,
          signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
