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

export const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

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
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || !location) return response;
    if (hop >= (request.maxRedirects ?? 5)) {
      throw new Error(`too many redirects (last to ${location})`);
    }
    await response.body?.cancel().catch(() => {});
    url = new URL(location, url).toString();
  }
}
