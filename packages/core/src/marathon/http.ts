/**
 * fetch with redirects followed by hand: WHATWG fetch drops the Authorization header when a
 * redirect crosses origins, and a Marathon standby redirects /v2/events to the leader (1.7+).
 */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  method?: string;
  maxRedirects?: number;
  fetch?: typeof fetch;
  /** An undici dispatcher for Node's fetch (see streamDispatcher). */
  dispatcher?: object;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchFollowingRedirects(request: HttpRequest): Promise<Response> {
  const doFetch = request.fetch ?? fetch;
  let url = request.url;
  for (let hop = 0; ; hop++) {
    const response = await doFetch(url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      redirect: 'manual',
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.dispatcher ? { dispatcher: request.dispatcher } : {}),
    } as RequestInit);
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || !location) return response;
    if (hop >= (request.maxRedirects ?? 5)) {
      throw new Error(`too many redirects (last to ${location})`);
    }
    await response.body?.cancel().catch(() => {});
    url = new URL(location, url).toString();
  }
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
let streaming: object | undefined;

/**
 * For a response that stays open (the event stream): Node's own fetch dispatcher (undici's
 * Agent) without a body timeout. With the default one (300 s) undici keeps a timer wheel that
 * wakes the process every 0.5 s for as long as the body is open: most of what an idle mmsd
 * did (docs/performance.md); the stream has a watchdog of its own. Node exposes the class only
 * through the global dispatcher it creates at fetch's first request: undefined before that.
 */
export function streamDispatcher(): object | undefined {
  if (streaming) return streaming;
  const global = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER] as { constructor?: unknown } | undefined;
  const Agent = global?.constructor;
  if (typeof Agent !== 'function' || Agent === Object) return undefined;
  try {
    streaming = new (Agent as new (options: object) => object)({ bodyTimeout: 0 });
  } catch {
    return undefined;
  }
  return streaming;
}
