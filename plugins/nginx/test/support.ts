import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginOptions } from '@mmsd/core/testing';
import plugin from '../src/index.js';
import type { NginxOptions } from '../src/options.js';

export { snapshotOf } from '@mmsd/core/testing';

/** The options with the schema's defaults (as mmsd validates them), plus `overrides`. */
export function nginxOptions(overrides: Record<string, unknown> = {}): NginxOptions {
  return pluginOptions<NginxOptions>(plugin, overrides);
}

/** Options whose files are all in `dir` (so that `nginx -t` and nginx itself can write them). */
export function nginxFiles(dir: string): Record<string, string> {
  mkdirSync(join(dir, 'temp'), { recursive: true });
  return { configFile: join(dir, 'nginx.conf'), pidFile: join(dir, 'nginx.pid'), logFile: join(dir, 'nginx.log'), tempDir: join(dir, 'temp') };
}

/** `nginx -t` of a rendered config (rendered by `render` with options whose files are in a scratch dir). */
export function nginxCheck(render: (files: Record<string, string>) => string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mmsd-nginx-check-'));
  try {
    const files = nginxFiles(dir);
    writeFileSync(files.configFile!, render(files));
    const result = spawnSync('nginx', ['-t', '-e', files.logFile!, '-c', files.configFile!], { encoding: 'utf8' });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
