import { commands } from '@oclif/plugin-plugins';
import { createLogger, isMmsdError, loadPlugins, MmsdError } from '@mmsd/core/host';
import { join } from 'node:path';
import { formatError } from '../../base-command.js';
import { addedPackages, recordInstallState, rollBackInstall } from '../../install-rollback.js';

const OclifInstall: (typeof commands)['plugins:install'] = commands['plugins:install'];

const PACKAGING = 'docs/writing-a-plugin.md#packaging-and-installing';

/**
 * oclif's `plugins:install`, made all-or-nothing: a package oclif refuses (no "oclif" key in its
 * package.json) or that is not an mmsd plugin is uninstalled again, so it cannot be loaded
 * afterwards (oclif itself leaves a refused package installed in the data directory).
 */
export default class PluginsInstall extends OclifInstall {
  static override summary = 'Install an mmsd plugin (from npm, a tarball or a git URL); a package that is not an mmsd plugin is refused and removed again.';

  override async run(): Promise<void> {
    const log = createLogger('cli');
    const before = await recordInstallState(this.config.dataDir);
    try {
      await super.run();
      for (const name of await addedPackages(before)) await this.checkMmsdPlugin(name);
    } catch (error) {
      const removed = await rollBackInstall(before, log);
      const refused = this.explain(error, removed);
      const { text, exit } = formatError(refused);
      process.stderr.write(text);
      this.exit(exit);
    }
  }

  /** The package's default export must be an mmsd plugin; options are the config's business. */
  private async checkMmsdPlugin(name: string): Promise<void> {
    const root = join(this.config.dataDir, 'node_modules', ...name.split('/'));
    try {
      await loadPlugins({ entries: [name], searchDirs: [], baseDir: this.config.dataDir, packageRoots: { [name]: root } });
    } catch (error) {
      if (isMmsdError(error) && error.code === 'EMMSD_PLUGIN_OPTIONS_INVALID') return;
      throw error;
    }
  }

  private explain(error: unknown, removed: readonly string[]): unknown {
    const undone = removed.length === 1 ? '; it was uninstalled again' : removed.length > 1 ? `; uninstalled again: ${removed.join(', ')}` : '';
    // oclif's own words ("plugin is invalid … not a valid CLI plugin") do not say why.
    if (error instanceof Error && error.message === 'plugin is invalid') {
      const what = removed.length === 1 ? removed[0] : 'the package';
      return new MmsdError('EMMSD_PLUGIN_INVALID', `${what} is not an mmsd plugin package: its package.json has no "oclif" key${undone}`, {
        hint: `add "oclif": {} to its package.json and pack or publish it again (${PACKAGING})`,
        cause: error,
      });
    }
    if (isMmsdError(error)) {
      return new MmsdError(error.code, `${error.message}${undone}`, {
        hint: `${error.hint ?? 'fix the plugin package'} (${PACKAGING})`,
        cause: error,
      });
    }
    if (removed.length === 0) return error;
    return new Error(`${error instanceof Error ? error.message : String(error)}${undone}`, { cause: error });
  }
}
