import { Flags } from '@oclif/core';
import { loadConfig, MmsdError } from '@mmsd/core/host';
import type { HealthReport } from '@mmsd/core/host';
import { BaseCommand } from '../base-command.js';
import { overridesFromFlags, sharedInput } from '../flags.js';
import { formatStatus } from '../format-status.js';

export default class Status extends BaseCommand {
  static override summary = "Show the running agent's view: state age, services, what is excluded, handlers, last problems.";

  static override description = `Asks the running mmsd for its health (GET /health on the metrics listener: metrics.port and metrics.bind of the same config, or --url) and prints it. Exit status: 0 when the agent is healthy, 1 when it is starting or unhealthy (the reasons are printed), 3 when it cannot be asked (not running, or no metrics.port in its config). See docs/operations.md#health-and-mmsd-status.`;

  static override examples = [
    { description: 'The agent configured in /etc/mmsd/config.yaml', command: '<%= config.bin %> status --config /etc/mmsd/config.yaml' },
    { description: 'As JSON (the /health answer)', command: '<%= config.bin %> status --json' },
    { description: 'An agent on another port', command: '<%= config.bin %> status --url http://127.0.0.1:9273' },
  ];

  static override flags = {
    json: Flags.boolean({ summary: 'Print the /health answer as JSON.' }),
    url: Flags.string({ summary: "The agent's metrics listener (default: from the config's metrics.bind and metrics.port).", helpValue: 'URL' }),
    timeout: Flags.integer({ summary: 'Seconds to wait for the answer [5].', default: 5, min: 1 }),
  };

  async run(): Promise<void> {
    const { flags, raw } = await this.parse(Status);
    const base = flags.url ?? (await this.configuredUrl(sharedInput(flags, raw), flags.config));
    const url = new URL('/health', base);
    let answer: Response;
    try {
      answer = await fetch(url, { signal: AbortSignal.timeout(flags.timeout * 1000) });
    } catch (error) {
      throw new MmsdError('EMMSD_STATUS_UNAVAILABLE', `no answer from mmsd at ${url.href}: ${(error as Error).cause ? String((error as { cause: unknown }).cause) : (error as Error).message}`, {
        hint: 'is mmsd running with this config? (systemctl status mmsd; journalctl -u mmsd)',
      });
    }
    if (!answer.headers.get('content-type')?.startsWith('application/json')) {
      throw new MmsdError('EMMSD_STATUS_UNAVAILABLE', `${url.href} answered ${answer.status} without a health report: it is not mmsd's metrics listener, or an mmsd older than /health`, {
        hint: 'give the URL of the metrics listener with --url',
      });
    }
    const report = (await answer.json()) as HealthReport;
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, url.origin));
    process.exitCode = report.status === 'ok' ? 0 : 1;
    await this.done();
  }

  /** The metrics listener of the config this command would run with (without starting anything). */
  private async configuredUrl(input: ReturnType<typeof sharedInput>, configFile: string | undefined): Promise<string> {
    const loaded = await loadConfig({ ...(configFile ? { configFile } : {}), cwd: process.cwd(), overrides: overridesFromFlags(input, process.cwd()) });
    const { port, bind } = loaded.config.metrics;
    const where = loaded.source.filepath ?? 'the config (none was found)';
    if (port === undefined) {
      throw new MmsdError('EMMSD_STATUS_UNAVAILABLE', `${where} sets no metrics.port, so the agent serves no /health`, {
        hint: 'set metrics: { port: 9273 } in the config (and reload mmsd), or give --url',
      });
    }
    const host = bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
    return `http://${host}:${port}`;
  }
}
