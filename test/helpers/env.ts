import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch directory, and an environment that keeps the CLI's data and config inside it. */
export async function scratch(prefix = 'mmsd-e2e-'): Promise<{ dir: string; env: Record<string, string>; write(name: string, content: string): Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    env: {
      MMSD_DATA_DIR: join(dir, 'data'),
      MMSD_CACHE_DIR: join(dir, 'cache'),
      MMSD_CONFIG_DIR: join(dir, 'etc'),
      XDG_CONFIG_HOME: join(dir, 'xdg'),
      HOME: dir,
    },
    async write(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
  };
}
