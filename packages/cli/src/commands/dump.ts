import { Flags } from '@oclif/core';
import { syncOnce } from '@mmsd/core/host';
import { BaseCommand } from '../base-command.js';
import { snapshotJson, snapshotTable } from '../format-snapshot.js';
import { sharedInput } from '../flags.js';

export default class Dump extends BaseCommand {
  static override summary = 'Sync once and show the model: services, backends and why some are not exposed.';

  static override description = `Fetches every app from Marathon once and prints the services mmsd derives from them (docs/labels.md): one per app port, with its service port, protocols, lb-group, vhosts and backends (host:port, address, health). Services not exposed by this agent are listed with the reason (groups, no service port, a malformed label). Nothing is applied.`;

  static override examples = [
    { description: 'The sample cluster of the embedded simulator', command: '<%= config.bin %> dump' },
    { description: 'A real Marathon, as JSON', command: '<%= config.bin %> dump --marathon=http://marathon:8080 --json' },
    { description: 'What an agent of group "production" would expose', command: '<%= config.bin %> dump --groups=production' },
  ];

  static override flags = {
    json: Flags.boolean({ summary: 'Print JSON (apps, services, excluded) instead of a table.' }),
  };

  async run(): Promise<void> {
    const { flags, raw } = await this.parse(Dump);
    const prepared = await this.prepare(sharedInput(flags, raw), { plugins: false, demo: false });
    const snapshot = await syncOnce(prepared.config);
    await this.release();
    process.stdout.write(flags.json ? `${JSON.stringify(snapshotJson(snapshot, prepared.config), null, 2)}\n` : snapshotTable(snapshot));
    await this.done();
  }
}
