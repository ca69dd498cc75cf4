import { Flags } from '@oclif/core';
import { Agent, createLogger, describeError } from '@mmsd/core/host';
import { BaseCommand } from '../base-command.js';
import { sharedInput } from '../flags.js';
import { announcePlugins, describeConfigSource, prepare } from '../setup.js';

export default class Run extends BaseCommand {
  static override summary = 'Run the agent: follow Marathon and keep every enabled handler in step.';

  static override description = `Syncs with Marathon, then follows its event stream: task events are applied from their payloads, app changes refetch that one app, and a full resync runs after every reconnect and every resyncInterval. Each batch of changes goes to the plugins' hooks (logger, upstream-confd, haproxy, …).

With no Marathon given (no --marathon, --marathon-host, MARATHON_HOST or marathon.endpoints), it runs against the embedded Marathon simulator with a moving sample cluster.

SIGTERM and SIGINT stop it cleanly; SIGHUP reloads the config (a bad config is refused and the running one kept). \`mmsd [options]\` without a command is \`mmsd run [options]\`.`;

  static override examples = [
    { description: 'Try it: the embedded Marathon simulator and the logger', command: '<%= config.bin %>' },
    { description: "The seed's usage: a Marathon and per-service upstream files", command: '<%= config.bin %> --marathon-host=10.0.0.1 --marathon-port=8080 --upstream-confd=/var/run/mmsd/confd' },
    { description: 'Several Marathons, only the apps of two lb-groups', command: '<%= config.bin %> run --marathon=http://m1:8080,http://m2:8080 --groups=production,staging*' },
    { description: 'With a config file, debug logs of the Marathon client only', command: 'DEBUG=mmsd:marathon:* <%= config.bin %> run --config /etc/mmsd/config.yaml' },
    { description: 'One sync, apply, exit (cron, tests)', command: '<%= config.bin %> run --once --upstream-confd=/tmp/confd' },
  ];

  static override flags = {
    once: Flags.boolean({ summary: 'Sync once, let the handlers apply the snapshot, and exit.' }),
    'state-file': Flags.string({ summary: 'Where to keep the last good state [<data dir>/state.json].', helpValue: 'PATH' }),
  };

  async run(): Promise<void> {
    const { flags, raw } = await this.parse(Run);
    const input = sharedInput(flags, raw);
    const log = createLogger('cli');
    const prepared = await this.prepare(input, {
      plugins: true,
      demo: !flags.once,
      ...(flags['state-file'] ? { stateFile: flags['state-file'] } : {}),
    });
    log.info('%s', describeConfigSource(prepared.loaded));
    announcePlugins(prepared, log);
    const agent = new Agent({
      config: prepared.config,
      configDir: prepared.loaded.source.directory,
      plugins: prepared.plugins,
      mode: flags.once ? 'once' : 'run',
      version: this.config.version,
    });
    log.info(
      'mmsd %s: Marathon %s, groups %s, plugins %s',
      this.config.version,
      prepared.config.marathon.endpoints.join(', '),
      prepared.config.groups.join(','),
      prepared.plugins.map((p) => p.plugin.name).join(', ') || '(none)',
    );

    if (flags.once) {
      await agent.start();
      await agent.stop();
      return this.done();
    }

    let stopping: Promise<void> | undefined;
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        log.info('%s: stopping', signal);
        stopping = (async () => {
          await agent.stop();
          await this.release();
        })().finally(resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    process.on('SIGHUP', () => {
      log.info('SIGHUP: reloading the configuration');
      void (async () => {
        try {
          const next = await prepare(this.config, input, {
            plugins: true,
            demo: false,
            ...(prepared.embedded ? { embedded: prepared.embedded } : {}),
            ...(flags['state-file'] ? { stateFile: flags['state-file'] } : {}),
          });
          log.info('%s', describeConfigSource(next.loaded));
          await agent.reload(next.config, next.loaded.source.directory, next.plugins);
        } catch (error) {
          log.error('config reload refused, keeping the running configuration: %s', describeError(error));
        }
      })();
    });

    try {
      await agent.start();
    } catch (error) {
      await agent.stop().catch(() => {});
      throw error;
    }
    await stopped;
    // Keep-alive connections of fetch may outlive us by a few seconds; nothing is left to do.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  }
}
