import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'run.js');

/** The project's shared Marathon fixtures (../shared/fixtures/marathon beside the checkout). */
export const SHARED_FIXTURES = process.env.MMSD_SHARED_FIXTURES ?? join(REPO_ROOT, '..', 'shared', 'fixtures', 'marathon');

export function fixture(name: string): string {
  const path = join(SHARED_FIXTURES, name);
  if (!existsSync(path)) {
    throw new Error(`fixture ${path} is missing: the tests expect ../shared/fixtures/marathon beside the checkout (or MMSD_SHARED_FIXTURES)`);
  }
  return path;
}
