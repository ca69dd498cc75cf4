import { dirname } from 'node:path';

/** The errno code of an error or of one of its causes. */
export function codeOf(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'unknown';
}

/** What the operator can do about a failed write, by errno code (`dir`: the file's directory). */
const HINTS: Record<string, (dir: string, path: string) => string> = {
  ENOSPC: (dir) => `free space on the filesystem of ${dir}`,
  EDQUOT: (dir) => `free space or raise the disk quota of mmsd's user on the filesystem of ${dir}`,
  EACCES: (dir, path) => `check permissions of ${dir} and ${path}: mmsd's user must be able to create and rename files there`,
  EROFS: (dir) => `${dir} is on a read-only filesystem: remount it read-write or configure another path`,
  EIO: (dir) => `the disk under ${dir} reports I/O errors: check the kernel log (dmesg) and the disk`,
  EISDIR: (_dir, path) => `${path} is a directory: remove it`,
  ENOTDIR: (dir) => `a part of ${dir} is not a directory: fix the path`,
  EMFILE: () => `too many open files: raise mmsd's open-file limit (LimitNOFILE)`,
};
HINTS.EPERM = HINTS.EACCES!;
HINTS.ENFILE = HINTS.EMFILE!;

/** What the operator can do about a failed write of `path`. */
export function writeFailureHint(code: string, path: string): string {
  const dir = dirname(path);
  return (HINTS[code] ?? ((d: string) => `check ${d}`))(dir, path);
}
