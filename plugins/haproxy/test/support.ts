// What the tests need from @mmsd/core at run time (the plugin itself imports only types).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HaproxyOptions } from '../src/index.js';

export { createHooks, createStaticResolver, StateStore, optionsDefaults } from './defaults.js';
export { snapshotOf } from '@mmsd/core/testing';

/** `haproxy -c` on a config text: its exit status and output. */
export function haproxyCheck(text: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mmsd-hacheck-'));
  try {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, text);
    const result = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The sections of a config, keyed by their first line that is not a comment. */
export function configSections(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n\n')
      .map((block) => block.trim())
      .map((block) => [block.split('\n').find((l) => !l.startsWith('#')) ?? block, block]),
  );
}

export type { HaproxyOptions };
