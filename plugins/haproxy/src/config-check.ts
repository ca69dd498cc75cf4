import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Counter, PluginContext } from '@mmsd/core';
import { alerts } from './haproxy-process.js';
import type { HaproxyOptions } from './options.js';
import type { HaproxyView } from './view.js';

/**
 * Decides whether a rendered config may replace the running one: it must not be refused for
 * want of file descriptors, and must pass `haproxy -c` (unless it is the very text installed
 * last, which did). Each problem is logged once while it stands, and its end once.
 */
export class ConfigChecker {
  private warned = new Set<string>();
  private lastError = '';
  private candidates = 0;
  /** The config text last installed (it passed the check). */
  private installedText: string | undefined;

  constructor(
    private readonly ctx: PluginContext<HaproxyOptions>,
    private readonly options: HaproxyOptions,
    private readonly checks: Counter,
  ) {}

  installed(text: string): void {
    this.installedText = text;
  }

  async accepts(view: HaproxyView, text: string): Promise<boolean> {
    for (const warning of view.warnings) if (!this.warned.has(warning)) this.ctx.log.warn('%s', warning);
    this.warned = new Set(view.warnings);
    if (view.refusal) return this.refuse(view.refusal);
    // The file in place passed the check when it was installed (a restart after a crash, a
    // reload that only needs the runtime API): checking it again would only delay HAProxy.
    if (text === this.installedText) return this.pass();
    const file = join(dirname(this.options.configFile), `.${basename(this.options.configFile)}.candidate-${process.pid}-${++this.candidates}`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, { mode: 0o644 });
    try {
      // Not -q: it silences the alerts too.
      const result = await this.ctx.exec(this.options.bin, ['-c', '-f', file], { timeout: 120_000 });
      // Exit code 2: valid, but nothing to listen on (HAProxy runs such a config all the same).
      const valid = result.code === 0 || (result.code === 2 && /no listener/.test(result.stdout + result.stderr));
      this.checks.inc({ outcome: valid ? 'passed' : 'failed' });
      if (!valid) {
        const reason = alerts(result.stdout + result.stderr).split(file).join(this.options.configFile);
        return this.refuse(`the new HAProxy config does not pass "haproxy -c" (${reason}); HAProxy keeps the running config`);
      }
    } catch (error) {
      return this.refuse(`cannot run ${this.options.bin} to check the config: ${(error as Error).message} (install HAProxy or set the "bin" option)`);
    } finally {
      await rm(file, { force: true });
    }
    return this.pass();
  }

  private refuse(message: string): false {
    if (message !== this.lastError) this.ctx.log.error('%s', message);
    this.lastError = message;
    return false;
  }

  private pass(): true {
    if (this.lastError) this.ctx.log.info('the HAProxy config passes "haproxy -c" again');
    this.lastError = '';
    return true;
  }
}
