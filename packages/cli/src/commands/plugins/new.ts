import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Args, Command, Flags } from '@oclif/core';

const TEMPLATE = fileURLToPath(new URL('../../../templates/plugin/', import.meta.url));
/** Template file → file of the new plugin. */
const FILES: Record<string, string> = { 'package.json.template': 'package.json', 'index.js': 'index.js', 'index.test.js': 'index.test.js', 'README.md': 'README.md' };

export default class PluginsNew extends Command {
  static override summary = 'Create a new mmsd plugin (a handler) that passes its own tests: mmsd-plugin-NAME/.';

  static override description = `Writes a working handler to start from: index.js (a plugin that keeps a file in step with the exposed services and logs task changes, with an options schema and the mmsd versions it works with), index.test.js (its tests, run with npm test: node --test, nothing to install), package.json (an oclif plugin package, so that mmsd plugins:install takes it) and README.md. docs/plugins.md is the contract.`;

  static override examples = [
    { description: 'A plugin named "inventory" in ./mmsd-plugin-inventory', command: '<%= config.bin %> plugins:new inventory' },
    { description: 'Test, pack and install it', command: 'cd mmsd-plugin-inventory && npm test && npm pack && <%= config.bin %> plugins:install file:$PWD/mmsd-plugin-inventory-0.1.0.tgz' },
  ];

  static override args = {
    name: Args.string({ required: true, description: 'The plugin\'s name: lower-case letters, digits and dashes ("mmsd-plugin-" is added to the package name).' }),
  };

  static override flags = {
    dir: Flags.string({ summary: 'Create mmsd-plugin-NAME in this directory [.].', helpValue: 'DIR', default: '.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginsNew);
    const name = args.name.replace(/^mmsd-plugin-/, '');
    if (!/^[a-z0-9][a-z0-9-]{0,60}$/.test(name)) {
      this.error(`"${args.name}" is not a plugin name: use lower-case letters, digits and dashes, starting with a letter or digit`, { exit: 2 });
    }
    const target = resolve(flags.dir, `mmsd-plugin-${name}`);
    if (existsSync(target)) this.error(`${target} already exists: choose another name or --dir, or remove it`, { exit: 2 });
    // The versions of mmsd this one is compatible with: the same minor (0.x) or major.
    const [major, minor] = this.config.version.split('.');
    const range = major === '0' ? `^0.${minor}` : `^${major}`;
    await mkdir(target, { recursive: true });
    for (const [from, to] of Object.entries(FILES)) {
      const text = await readFile(join(TEMPLATE, from), 'utf8');
      await writeFile(join(target, to), text.replaceAll('__NAME__', name).replaceAll('__RANGE__', range));
    }
    this.log(`created ${target}: a plugin "${name}" for mmsd ${range}`);
    this.log(`next: cd ${target} && npm test && npm pack && ${this.config.bin} plugins:install file:${join(target, `mmsd-plugin-${name}-0.1.0.tgz`)}`);
  }
}
