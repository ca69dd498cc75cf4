export interface MarathonAuth {
  /** `user:password` for HTTP basic auth. */
  basic?: string;
  /** A DC/OS ACS token, sent as `Authorization: token=<token>`. */
  token?: string;
}

export function authorizationHeader(auth: MarathonAuth | undefined): string | undefined {
  if (auth?.token) return `token=${auth.token}`;
  if (auth?.basic) return `Basic ${Buffer.from(auth.basic, 'utf8').toString('base64')}`;
  return undefined;
}

export interface Endpoint {
  /** Base URL without credentials and without a trailing slash. */
  readonly url: string;
  /** Credentials that were written into the URL (`http://user:pass@host`), if any. */
  readonly basic?: string;
}

/** Parses `http://[user:pass@]host:port[/prefix]`; fetch refuses URLs with credentials. */
export function parseEndpoint(raw: string): Endpoint {
  const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${raw}: only http and https Marathon endpoints are supported`);
  }
  const basic = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return { url: url.toString().replace(/\/+$/, ''), ...(basic ? { basic } : {}) };
}

