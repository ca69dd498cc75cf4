import type { IncomingMessage, ServerResponse } from 'node:http';

interface Reader {
  response: ServerResponse;
  remoteAddress: string;
  /** `?event_type=` filters (none: every event). */
  types: ReadonlySet<string> | undefined;
  /** Frames written while its socket's buffer was full. */
  behind: number;
}

export interface FanoutOptions {
  /** Frames a reader may be behind before it is disconnected. */
  maxOutstanding: number;
  /** Marathon's headers of every answer. */
  headers(): Record<string, string>;
  /** A reader was disconnected: `slow` (fell behind) or `resync` (the relay's state jumped). */
  dropped(reason: 'slow' | 'resync'): void;
  readers(count: number): void;
}

const HEARTBEAT_MS = 10_000;
/** Events about the relay's own connection to its Marathon: its readers have their own. */
const OWN = new Set(['event_stream_attached', 'event_stream_detached']);

/**
 * `/v2/events` as Marathon serves it (Jetty's EventSourceServlet): no chunking, `Connection:
 * close`, one `event:` and one `data:` line per event with CRLF ends, a bare CRLF every 10 s,
 * `event_stream_attached` to everyone when a reader connects. Each event is serialized once
 * for all readers. Events are held until the state the relay serves includes them (`release`
 * at each snapshot), so a reader that fetches after an event never gets an older state. A
 * reader that falls `maxOutstanding` frames behind is disconnected (it reconnects and
 * resyncs, as after any lost connection), never buffered without limit.
 */
export class EventFanout {
  private readonly readers = new Set<Reader>();
  private held: { type: string; frame: Buffer }[] = [];
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: FanoutOptions) {}

  get size(): number {
    return this.readers.size;
  }

  attach(request: IncomingMessage, response: ServerResponse, types: ReadonlySet<string> | undefined): void {
    for (const [name, value] of Object.entries(this.options.headers())) response.setHeader(name, value);
    response.setHeader('Content-Type', 'text/event-stream;charset=utf-8');
    response.setHeader('Connection', 'close');
    response.removeHeader('Transfer-Encoding');
    response.useChunkedEncodingByDefault = false;
    response.writeHead(200);
    response.flushHeaders();
    const reader: Reader = { response, remoteAddress: request.socket.remoteAddress ?? '', types, behind: 0 };
    this.readers.add(reader);
    this.options.readers(this.readers.size);
    response.on('drain', () => (reader.behind = 0));
    const detach = (): void => {
      if (!this.readers.delete(reader)) return;
      this.options.readers(this.readers.size);
      this.send(this.frame({ remoteAddress: reader.remoteAddress, eventType: 'event_stream_detached', timestamp: new Date().toISOString() }));
    };
    response.on('close', detach);
    this.send(this.frame({ remoteAddress: reader.remoteAddress, eventType: 'event_stream_attached', timestamp: new Date().toISOString() }));
    this.startHeartbeat();
  }

  /** An event from Marathon, held until `release`. */
  hold(event: { eventType: string } & Record<string, unknown>): void {
    if (OWN.has(event.eventType)) return;
    this.held.push(this.frame(event));
  }

  /** The state served now includes every event held: they go out, in order. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const frame of held) this.send(frame);
  }

  /** The relay's state jumped (a full sync found what no event said): readers reconnect and resync. */
  dropAll(reason: 'resync' | 'slow' = 'resync'): void {
    for (const reader of [...this.readers]) this.drop(reader, reason);
  }

  close(): void {
    this.held = [];
    for (const reader of [...this.readers]) {
      this.readers.delete(reader);
      reader.response.destroy();
    }
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private frame(event: { eventType: string } & Record<string, unknown>): { type: string; frame: Buffer } {
    return { type: event.eventType, frame: Buffer.from(`event: ${event.eventType}\r\ndata: ${JSON.stringify(event)}\r\n\r\n`) };
  }

  private send({ type, frame }: { type: string; frame: Buffer }): void {
    for (const reader of this.readers) {
      if (reader.types && !reader.types.has(type)) continue;
      this.write(reader, frame);
    }
  }

  private write(reader: Reader, chunk: Buffer | string): void {
    if (reader.response.writableNeedDrain && ++reader.behind > this.options.maxOutstanding) {
      this.drop(reader, 'slow');
      return;
    }
    reader.response.write(chunk);
  }

  private drop(reader: Reader, reason: 'slow' | 'resync'): void {
    if (!this.readers.delete(reader)) return;
    this.options.readers(this.readers.size);
    this.options.dropped(reason);
    // A reset, not a close: a reader that stopped reading would never see a FIN queued behind
    // the data it has not read; with a reset it learns at once (and reconnects).
    if (reader.response.socket) reader.response.socket.resetAndDestroy();
    else reader.response.destroy();
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      // Events that changed nothing (so no snapshot released them) wait at most until here.
      this.release();
      for (const reader of this.readers) this.write(reader, '\r\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }
}
