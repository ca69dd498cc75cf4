import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'run.js');

/** The Marathon fixtures of the tests (see test/fixtures/marathon/README.md). */
export const MARATHON_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'marathon');

export function fixture(name: string): string {
  const path = join(MARATHON_FIXTURES, name);
  if (!existsSync(path)) {
    throw new Error(`fixture ${path} is missing: copy it into test/fixtures/marathon/ and list it in that folder's README`);
  }
  return path;
}
