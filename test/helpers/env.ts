import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

/** A scratch directory (removed after the test), and an environment that keeps the CLI's data and config inside it. */
export async function scratch(
  t: { teardown(fn: () => unknown): void },
  prefix = 'mmsd-e2e-',
): Promise<{ dir: string; env: Record<string, string>; write(name: string, content: string): Promise<string> }> {
  const dir = await tempDir(t, prefix);
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
