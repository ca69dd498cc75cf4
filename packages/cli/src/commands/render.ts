import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { renderArtifacts, syncOnce } from '@mmsd/core/host';
import { BaseCommand } from '../base-command.js';
import { sharedInput } from '../flags.js';

export default class Render extends BaseCommand {
  static override summary = 'Sync once and print the files every enabled handler would write; nothing is applied.';

  static override description = `Renders with exactly the functions \`mmsd run\` uses (what you render is byte for byte what runs): upstream files, HAProxy and nginx configs, … Each file is printed after a line "==> PATH (PLUGIN) <==", or written below --out DIR at its own path.`;

  static override examples = [
    { description: 'Upstream files of the sample cluster', command: '<%= config.bin %> render --upstream-confd=/var/run/mmsd/confd' },
    { description: 'Everything a config enables, into a directory', command: '<%= config.bin %> render --config /etc/mmsd/config.yaml --out /tmp/mmsd-render' },
  ];

  static override flags = {
    out: Flags.string({ summary: 'Write the files below this directory (at their own paths) instead of printing them.', helpValue: 'DIR' }),
  };

  async run(): Promise<void> {
    const { flags, raw } = await this.parse(Render);
    const prepared = await this.prepare(sharedInput(flags, raw), { plugins: true, demo: false });
    const snapshot = await syncOnce(prepared.config);
    const artifacts = await renderArtifacts(prepared.config, prepared.loaded.source.directory, prepared.plugins, snapshot);
    await this.release();
    if (artifacts.length === 0) {
      process.stderr.write(
        'nothing to render: no enabled handler writes files (enable one with --upstream-confd=PATH, --haproxy-bin=PATH or a config file)\n',
      );
      return this.done();
    }
    if (flags.out) {
      const root = resolve(flags.out);
      for (const artifact of artifacts) {
        const target = join(root, artifact.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, artifact.content, { mode: artifact.mode ?? 0o644 });
        process.stdout.write(`${target}\n`);
      }
      return this.done();
    }
    for (const artifact of artifacts) {
      process.stdout.write(`==> ${artifact.path} (${artifact.plugin}) <==\n${artifact.content}`);
      if (!artifact.content.endsWith('\n')) process.stdout.write('\n');
    }
    await this.done();
  }
}
