import type { IncomingMessage, ServerResponse } from 'node:http';
import { eventJson } from './json.js';
import { timestamp } from './ids.js';

interface Client {
  response: ServerResponse;
  remoteAddress: string;
  types: Set<string> | undefined;
}

export interface EventHubOptions {
  /** Milliseconds between heartbeats (Jetty's default, which Marathon keeps: 10 s). */
  heartbeatInterval: number;
  headers: () => Record<string, string>;
}

/**
 * `/v2/events` as Marathon 1.x (Jetty's EventSourceServlet) serves it: `Connection: close`, no
 * chunking, one `event:` and one `data:` line per event with CRLF line ends, and a bare CRLF
 * as heartbeat. A new client is told of itself first (`event_stream_attached`, sent to all).
 */
export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly options: EventHubOptions;
  private heartbeat: NodeJS.Timeout | undefined;
  private silent = false;

  constructor(options: EventHubOptions) {
    this.options = options;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Silent: keep connections open but send nothing, not even heartbeats (a dead stream). */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  attach(request: IncomingMessage, response: ServerResponse, types: Set<string> | undefined): void {
    for (const [name, value] of Object.entries(this.options.headers())) response.setHeader(name, value);
    response.setHeader('Content-Type', 'text/event-stream;charset=utf-8');
    response.setHeader('Connection', 'close');
    // Neither Content-Length nor chunked encoding: the body is everything until the connection closes.
    response.removeHeader('Transfer-Encoding');
    response.writeHead(200);
    response.flushHeaders();
    const client: Client = { response, remoteAddress: request.socket.remoteAddress ?? '', types };
    this.clients.add(client);
    const detach = (): void => {
      if (!this.clients.delete(client)) return;
      this.publish({ remoteAddress: client.remoteAddress, eventType: 'event_stream_detached', timestamp: timestamp() });
      this.stopHeartbeatIfIdle();
    };
    response.on('close', detach);
    request.socket.on('close', detach);
    this.publish({ remoteAddress: client.remoteAddress, eventType: 'event_stream_attached', timestamp: timestamp() });
    this.startHeartbeat();
  }

  /** Sends an event to every client whose `event_type` filter admits it. */
  publish(event: { eventType: string } & Record<string, unknown>): void {
    if (this.silent) return;
    let frame: string | undefined;
    for (const client of this.clients) {
      if (client.types && !client.types.has(event.eventType)) continue;
      // Made once for all clients, and not at all when no client asked for this type.
      frame ??= `event: ${event.eventType}\r\ndata: ${eventJson(event)}\r\n\r\n`;
      client.response.write(frame);
    }
  }

  /** Closes every stream, as a network failure or a Marathon restart would. */
  dropAll(): void {
    for (const client of [...this.clients]) {
      this.clients.delete(client);
      client.response.socket?.destroy();
    }
    this.stopHeartbeatIfIdle();
  }

  close(): void {
    this.dropAll();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      if (this.silent) return;
      // Jetty writes '\r', flushes, writes '\n', flushes: a bare empty line.
      for (const client of this.clients) {
        client.response.write('\r');
        client.response.write('\n');
      }
    }, this.options.heartbeatInterval);
    this.heartbeat.unref();
  }

  private stopHeartbeatIfIdle(): void {
    if (this.clients.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}
