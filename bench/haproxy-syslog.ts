import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { readFile, writeFile } from 'node:fs/promises';
import { ServerTransitions } from './observer.js';
import type { ServerTransition } from './observer.js';

const DEFAULT_TEMPLATE = new URL('../plugins/haproxy/templates/haproxy.cfg.ejs', import.meta.url);

/** `2026-12-02T11:52:12.629218+00:00` → wall-clock ms with the µs fraction. */
function rfc5424Time(stamp: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (!match) return Number.NaN;
  return Date.parse(`${match[1]}${match[3]}`) + Number(`0.${match[2] ?? '0'}`) * 1000;
}

/**
 * HAProxy's own word on when it applied a server's change: its worker logs "Server b/s is
 * UP/READY" as it applies it, to a syslog target in RFC 5424 format, whose timestamp has µs
 * (HAProxy's clock of the loop that ran the command). Unlike a listener's receipt, the time
 * does not move when the listener is scheduled late on a busy machine (on the project's two
 * vCPUs a bench thread woke up to 4 ms after HAProxy wrote its line). The default template with
 * a `log` line in `global` and `log global` in `defaults` sends them here.
 */
export class HaproxySyslog {
  private readonly servers = new ServerTransitions('HAProxy sent no syslog line for');

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (message) => {
      const text = message.toString('utf8');
      const match = /^<\d+>1 (\S+) .*Server (\S+\/\S+) is (UP\/READY|going DOWN for maintenance)/.exec(text);
      if (!match) return;
      this.servers.add(match[2]!, match[3] === 'UP/READY' ? 'ready' : 'maint', rfc5424Time(match[1]!));
    });
  }

  static async listen(): Promise<HaproxySyslog> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new HaproxySyslog(socket, socket.address().port);
  }

  /** Writes the default template with this target into `path` (the bench's `template` option). */
  async writeTemplate(path: string): Promise<void> {
    const template = await readFile(DEFAULT_TEMPLATE, 'utf8');
    const withLog = template
      .replace(/^global$/m, `global\n  log 127.0.0.1:${this.port} format rfc5424 local0`)
      .replace(/^defaults$/m, 'defaults\n  log global');
    if (withLog === template) throw new Error(`no global/defaults section in ${DEFAULT_TEMPLATE.pathname}`);
    await writeFile(path, withLog);
  }

  /** Resolves with HAProxy's time of the first `transition` of `backend/server` at or after `since`. */
  when(backend: string, server: string, transition: ServerTransition, since: number, timeoutMs = 30_000): Promise<number> {
    return this.servers.when(backend, server, transition, since, timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}
