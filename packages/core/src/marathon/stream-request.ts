import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { redirectTarget } from './http.js';

/**
 * Opens a response that stays open (Marathon's event stream) with Node's own http(s) client,
 * on a connection of its own. Redirects are followed by hand with the same headers: a standby
 * redirects /v2/events to the leader (1.7+), and the credentials must follow (WHATWG fetch
 * drops them across origins). Resolves with the 200 response of an event stream; rejects with
 * what was wrong otherwise. `signal` aborts the request and destroys the response.
 *
 * Not fetch: through fetch (undici's web streams) and the `eventsource` package an event cost
 * 150 µs of CPU against 56–79 µs this way (docs/performance.md), on the path of every change.
 */
export async function openEventStream(url: string, headers: Record<string, string>, signal: AbortSignal, maxRedirects = 5): Promise<IncomingMessage> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const response = await get(target, headers, signal);
    const type = response.headers['content-type'] ?? '';
    if (response.statusCode === 200 && type.startsWith('text/event-stream')) return response;
    response.destroy();
    const next = redirectTarget(response.statusCode ?? 0, response.headers.location, target, hop, maxRedirects);
    if (next === undefined) {
      throw new Error(response.statusCode === 200 ? `not an event stream (Content-Type: ${type || 'none'})` : `${response.statusCode} ${response.statusMessage ?? ''}`.trim());
    }
    target = next;
  }
}

function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { headers, signal, agent: false }, resolve);
    request.on('error', reject);
    request.end();
  });
}
