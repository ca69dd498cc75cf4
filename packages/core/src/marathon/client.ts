import { randomInt } from 'node:crypto';
import { MmsdError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { Endpoint, MarathonAuth } from './auth.js';
import { authorizationHeader, parseEndpoint } from './auth.js';
import { AppsAnswerError, AppsSplitter } from './apps-splitter.js';
import { fetchFollowingRedirects } from './http.js';
import type { MarathonApp } from './types.js';

export interface MarathonClientOptions {
  endpoints: readonly string[];
  auth?: MarathonAuth;
  /** Milliseconds a request may take, body included. */
  timeout?: number;
  log?: Logger;
  fetch?: typeof fetch;
  /** Called after each request: what, where, how it went and how long it took. */
  onRequest?: (info: RequestInfo) => void;
  /**
   * `random`: the endpoints are tried in an order of this client's own (agents that list the
   * same relays spread over them); `given` (the default): in the order listed.
   */
  order?: 'random' | 'given';
}

/** A random permutation (Fisher–Yates). */
function shuffled<T>(list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface RequestInfo {
  kind: 'apps' | 'app' | 'other';
  endpoint: string;
  outcome: 'ok' | 'error';
  seconds: number;
}

/** What plugins may ask Marathon through `ctx.marathon`. */
export interface MarathonReader {
  /** `GET /v2/apps?embed=apps.tasks`: every app with its tasks. */
  getApps(): Promise<MarathonApp[]>;
  /** `GET /v2/apps/<id>?embed=app.tasks`; undefined when Marathon says the app does not exist. */
  getApp(id: string): Promise<MarathonApp | undefined>;
  /** The endpoint that answered last. */
  readonly endpoint: string;
}

/** Where eachApp puts the apps of one answer. */
export interface AppSink<T> {
  add(app: MarathonApp): void;
  done(): T;
}

class BadResponse extends Error {}

/**
 * Marathon's REST API over Node's fetch. Endpoints are tried in turn, starting with the one
 * that answered last; every request has a timeout; answers are checked before they are
 * believed, so a 5xx, an HTML error page or a truncated body is an error, never "no apps".
 */
export class MarathonClient implements MarathonReader {
  readonly endpoints: readonly Endpoint[];
  private current = 0;
  private readonly options: MarathonClientOptions;
  private readonly log: Logger;

  constructor(options: MarathonClientOptions) {
    if (options.endpoints.length === 0) throw new TypeError('MarathonClient needs at least one endpoint');
    this.options = options;
    const endpoints = options.endpoints.map(parseEndpoint);
    this.endpoints = options.order === 'random' ? shuffled(endpoints) : endpoints;
    this.log = options.log ?? silentLogger;
  }

  get endpoint(): string {
    return this.endpoints[this.current]!.url;
  }

  /** Moves on to the next endpoint (the event stream does this after a failed connection). */
  rotate(): Endpoint {
    this.current = (this.current + 1) % this.endpoints.length;
    return this.endpoints[this.current]!;
  }

  currentEndpoint(): Endpoint {
    return this.endpoints[this.current]!;
  }

  headersFor(endpoint: Endpoint, accept: string): Record<string, string> {
    const headers: Record<string, string> = { Accept: accept };
    const authorization = authorizationHeader(this.options.auth ?? (endpoint.basic ? { basic: endpoint.basic } : undefined));
    if (authorization) headers.Authorization = authorization;
    return headers;
  }

  async getApps(): Promise<MarathonApp[]> {
    return this.eachApp(() => {
      const apps: MarathonApp[] = [];
      return { add: (app) => apps.push(app), done: () => apps };
    });
  }

  /**
   * `GET /v2/apps?embed=apps.tasks`, each app handed to the sink as soon as it has arrived
   * (see AppsSplitter): the whole answer is never held at once. Each endpoint tried gets a
   * fresh sink from `sink()`; only the one whose answer was complete is `done()`.
   */
  async eachApp<T>(sink: () => AppSink<T>): Promise<T> {
    return this.attempt('apps', '/v2/apps?embed=apps.tasks', (endpoint, path) =>
      this.timed(async (signal) => {
        const into = sink();
        const response = await this.fetch(endpoint, path, signal);
        if (response.status !== 200 || !response.body) {
          const text = await response.text();
          throw new Error(`HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`.trim());
        }
        const splitter = new AppsSplitter((app) => into.add(app as MarathonApp));
        try {
          for await (const chunk of response.body) splitter.push(chunk);
          splitter.end();
        } catch (error) {
          if (!(error instanceof AppsAnswerError)) throw error;
          const type = response.headers.get('content-type') || 'no content type';
          throw new Error(`bad answer: HTTP 200 (${type}) after ${splitter.apps} apps: ${error.message}`);
        }
        return into.done();
      }),
    );
  }

  async getApp(id: string): Promise<MarathonApp | undefined> {
    const path = id
      .split('/')
      .filter((s) => s.length > 0)
      .map(encodeURIComponent)
      .join('/');
    const result = await this.getJson('app', `/v2/apps/${path}?embed=app.tasks`, (status, json) => {
      if (status === 404) {
        // Only Marathon's own answer means "gone"; a 404 from a proxy in between is an error.
        const message = (json as { message?: unknown })?.message;
        if (typeof message === 'string' && /does not exist/i.test(message)) return { app: undefined };
        throw new BadResponse(`HTTP 404 without Marathon's "does not exist" message`);
      }
      if (status !== 200) return undefined;
      const app = (json as { app?: unknown })?.app;
      if (!app || typeof app !== 'object' || typeof (app as { id?: unknown }).id !== 'string') {
        throw new BadResponse('the answer has no "app" with an id');
      }
      return { app: app as MarathonApp };
    });
    return result.app;
  }

  /**
   * GETs `path` from each endpoint in turn until one answers acceptably. `accept` returns the
   * value for an acceptable answer, undefined for a status that means "try the next", or throws.
   */
  private getJson<T>(
    kind: RequestInfo['kind'],
    path: string,
    accept: (status: number, json: unknown) => T | undefined,
  ): Promise<T> {
    return this.attempt(kind, path, (endpoint) => this.fetchJson(endpoint, path, accept));
  }

  /** Runs `request` against each endpoint in turn until one succeeds; that one is kept. */
  private async attempt<T>(kind: RequestInfo['kind'], path: string, request: (endpoint: Endpoint, path: string) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const index = (this.current + attempt) % this.endpoints.length;
      const endpoint = this.endpoints[index]!;
      const started = performance.now();
      try {
        const value = await request(endpoint, path);
        this.current = index;
        this.report(kind, endpoint, 'ok', started);
        return value;
      } catch (error) {
        this.report(kind, endpoint, 'error', started);
        const reason = describeError(error);
        failures.push(`${endpoint.url}: ${reason}`);
        this.log.warn('GET %s%s failed: %s', endpoint.url, path, reason);
      }
    }
    const bad = failures.every((f) => f.includes('bad answer'));
    throw new MmsdError(
      bad ? 'EMMSD_MARATHON_BAD_RESPONSE' : 'EMMSD_MARATHON_UNAVAILABLE',
      `Marathon did not answer GET ${path}: ${failures.join('; ')}`,
      { hint: 'check that marathon.endpoints (or --marathon / MARATHON_HOST) point at a running Marathon; mmsd keeps the last good state and retries' },
    );
  }

  /** Runs a request (body included) under the client's timeout; a timeout says so. */
  private async timed<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = this.options.timeout ?? 10_000;
    const signal = AbortSignal.timeout(timeout);
    try {
      return await request(signal);
    } catch (error) {
      if (signal.aborted) throw new Error(`no complete answer within ${timeout} ms`);
      throw error;
    }
  }

  private fetch(endpoint: Endpoint, path: string, signal: AbortSignal): Promise<Response> {
    return fetchFollowingRedirects({
      url: `${endpoint.url}${path}`,
      headers: this.headersFor(endpoint, 'application/json'),
      signal,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
  }

  private async fetchJson<T>(
    endpoint: Endpoint,
    path: string,
    accept: (status: number, json: unknown) => T | undefined,
  ): Promise<T> {
    const { response, text } = await this.timed(async (signal) => {
      const response = await this.fetch(endpoint, path, signal);
      return { response, text: await response.text() };
    });
    let json: unknown;
    const type = response.headers.get('content-type') ?? '';
    try {
      json = JSON.parse(text);
    } catch {
      if (response.status >= 400) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      throw new Error(`bad answer: HTTP ${response.status} with a body that is not JSON (${type || 'no content type'}, ${text.length} bytes)`);
    }
    try {
      const value = accept(response.status, json);
      if (value === undefined) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      return value;
    } catch (error) {
      if (error instanceof BadResponse) throw new Error(`bad answer: ${error.message}`);
      throw error;
    }
  }

  private report(kind: RequestInfo['kind'], endpoint: Endpoint, outcome: RequestInfo['outcome'], started: number): void {
    this.options.onRequest?.({ kind, endpoint: endpoint.url, outcome, seconds: (performance.now() - started) / 1000 });
  }
}
