import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Answers } from './answers.js';
import type { EventFanout } from './event-fanout.js';
import type { RelayOptions } from './options.js';

export interface RelayServerOptions {
  options: RelayOptions;
  answers: Answers;
  fanout: EventFanout;
  /** `/v2/info` beyond Marathon's fields: what the relay knows of its own Marathon. */
  info(): Record<string, unknown>;
  resolvePath(path: string): string;
  request(route: string): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(response: ServerResponse, status: number, body: Buffer | string, type = JSON_TYPE): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

const message = (text: string): string => JSON.stringify({ message: text });

function embedsOf(url: URL): Set<string> {
  return new Set(url.searchParams.getAll('embed').flatMap((value) => value.split(',')));
}

/** Marathon's read API over the relay's state: `/v2/apps`, `/v2/apps/<id>`, `/v2/tasks`, `/v2/events`, `/v2/info`, `/v2/leader`, `/ping`. */
export async function startRelayServer(o: RelayServerOptions): Promise<Server> {
  const { options } = o;
  const expected = options.auth ? Buffer.from(`Basic ${Buffer.from(options.auth.basic).toString('base64')}`) : undefined;
  const authorized = (request: IncomingMessage): boolean => {
    if (!expected) return true;
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://relay');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!authorized(request)) {
      response.setHeader('WWW-Authenticate', 'Basic realm="mmsd relay"');
      send(response, 401, message('Unauthorized'));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, message(`a relay only reads: ${request.method} is not allowed (send changes to Marathon)`));
      return;
    }
    if (path === '/ping') return send(response, 200, 'pong\n', 'text/plain; charset=utf-8');
    if (path === '/v2/leader') return send(response, 200, JSON.stringify({ leader: `${request.headers.host ?? `${options.bind}:${options.port}`}` }));
    if (path === '/v2/info') return send(response, 200, JSON.stringify(o.info()));
    if (path === '/v2/events') {
      o.request('events');
      // Marathon (Jetty) compares the Accept header exactly.
      if (request.headers.accept !== 'text/event-stream') return send(response, 405, message('GET /v2/events needs Accept: text/event-stream'));
      const types = url.searchParams.getAll('event_type');
      o.fanout.attach(request, response, types.length > 0 ? new Set(types) : undefined);
      return;
    }
    if (path === '/v2/apps' || path.startsWith('/v2/apps/') || path === '/v2/tasks') {
      o.request(path === '/v2/tasks' ? 'tasks' : path === '/v2/apps' ? 'apps' : 'app');
      // Never an empty list for a state that is not known yet: the reader tries again or elsewhere.
      if (!o.answers.synced) return send(response, 503, message('the relay has not synced with Marathon yet'));
      if (path === '/v2/apps') return send(response, 200, o.answers.apps(embedsOf(url)));
      if (path === '/v2/tasks') return send(response, 200, o.answers.tasks());
      const id = decodeURIComponent(path.slice('/v2/apps'.length));
      const body = o.answers.app(id, embedsOf(url));
      return body ? send(response, 200, body) : send(response, 404, message(`App '${id}' does not exist`));
    }
    send(response, 404, message(`no such resource on a relay: ${path}`));
  };
  const server = options.tls
    ? createHttpsServer({ cert: await readFile(o.resolvePath(options.tls.cert)), key: await readFile(o.resolvePath(options.tls.key)) }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
