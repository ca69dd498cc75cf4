import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A scratch directory on tmpfs (/dev/shm) when there is one: upstream files live in
 * /var/run/mmsd, a tmpfs, in production. (On this project's CI machines the disk's write time
 * varies five-fold from run to run, which would drown what is measured.)
 */
export function runtimeDir(prefix: string): Promise<string> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtemp(join(base, prefix));
}
