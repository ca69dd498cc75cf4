import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Counter, PluginContext } from '@mmsd/core';
import { alerts } from './haproxy-process.js';
import type { HaproxyOptions } from './options.js';
import { structureOf } from './structure.js';
import type { HaproxyView } from './view.js';


/**
 * Decides whether a rendered config may replace the file: it must not be refused for want of
 * file descriptors, and must pass `haproxy -c`. What HAProxy loads (a start, a reload) is always
 * a checked text. A rewrite of the file that only keeps it in step with runtime changes (no
 * load) is not checked again when all but its server lines equal a checked config: server lines
 * are built from validated fields only, and at 5,000 apps `haproxy -c` was most of the CPU an
 * event cost. Each problem is logged once while it stands, and its end once.
 */
export class ConfigChecker {
  private warned = new Set<string>();
  private lastError = '';
  private candidates = 0;
  /** The last text that passed `haproxy -c`, and its structure. */
  private checkedText: string | undefined;
  private checkedStructure: string | undefined;
  /** Why the last accepted text needed no `haproxy -c`; empty when it ran. */
  skipped = '';

  constructor(
    private readonly ctx: PluginContext<HaproxyOptions>,
    private readonly options: HaproxyOptions,
    private readonly checks: Counter,
  ) {}

  /** `load`: HAProxy will load this text (start, reload); else it only goes into the file. */
  async accepts(view: HaproxyView, text: string, load: boolean): Promise<boolean> {
    for (const warning of view.warnings) if (!this.warned.has(warning)) this.ctx.log.warn('%s', warning);
    this.warned = new Set(view.warnings);
    if (view.refusal) return this.refuse(view.refusal);
    // Checked already (a restart after a crash, a reload that only needs the runtime API):
    // checking it again would only delay HAProxy.
    this.skipped = 'the same text passed before';
    if (text === this.checkedText) return this.pass();
    const structure = structureOf(text);
    this.skipped = 'only server lines differ from a config that passed, and HAProxy does not load it';
    if (!load && structure === this.checkedStructure) return this.pass();
    this.skipped = '';
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
    this.checkedText = text;
    this.checkedStructure = structure;
    return this.pass();
  }

  private refuse(message: string): false {
    if (message !== this.lastError) this.ctx.log.error('%s', message);
    this.lastError = message;
    this.ctx.health.failing(message);
    return false;
  }

  private pass(): true {
    if (this.lastError) {
      this.ctx.log.info('the HAProxy config passes "haproxy -c" again');
      this.ctx.health.ok();
    }
    this.lastError = '';
    return true;
  }
}
