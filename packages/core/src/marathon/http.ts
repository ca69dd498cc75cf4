/**
 * fetch with redirects followed by hand: WHATWG fetch drops the Authorization header when a
 * redirect crosses origins, and a Marathon standby may redirect to the leader.
 */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  method?: string;
  maxRedirects?: number;
  fetch?: typeof fetch;
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Where an answer redirects the request made to `from` (undefined: it does not); throws once
 * `hop` (0 for the first answer) reaches `maxRedirects`. The callers follow it themselves,
 * with the same headers.
 */
export function redirectTarget(status: number, location: string | null | undefined, from: string, hop: number, maxRedirects = 5): string | undefined {
  if (!REDIRECTS.has(status) || !location) return undefined;
  if (hop >= maxRedirects) throw new Error(`too many redirects (last to ${location})`);
  return new URL(location, from).toString();
}

export async function fetchFollowingRedirects(request: HttpRequest): Promise<Response> {
  const doFetch = request.fetch ?? fetch;
  let url = request.url;
  for (let hop = 0; ; hop++) {
    const response = await doFetch(url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      redirect: 'manual',
      ...(request.signal ? { signal: request.signal } : {}),
    } as RequestInit);
    const next = redirectTarget(response.status, response.headers.get('location'), url, hop, request.maxRedirects);
    if (next === undefined) return response;
    await response.body?.cancel().catch(() => {});
    url = next;
  }
}
