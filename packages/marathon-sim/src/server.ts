import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { control } from './control.js';
import { JSON_TYPE, appIdOf, message, readBody, send } from './http-util.js';
import type { Faults, Placement, SimulatorHost } from './sim-api.js';

function authorized(sim: SimulatorHost, request: IncomingMessage): boolean {
  const auth = sim.options.auth;
  if (!auth) return true;
  const header = request.headers.authorization ?? '';
  if (auth.token) return header === `token=${auth.token}`;
  if (auth.basic) return header === `Basic ${Buffer.from(auth.basic).toString('base64')}`;
  return true;
}

function unauthorized(sim: SimulatorHost, response: ServerResponse): void {
  const body = '<html><head><title>Error 401 Unauthorized</title></head><body><h2>HTTP ERROR 401</h2></body></html>';
  response.writeHead(401, {
    'Content-Type': 'text/html;charset=iso-8859-1',
    'WWW-Authenticate': sim.options.auth?.token ? 'acsjwt' : 'basic realm="Mesosphere"',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** Applies REST faults; true when the request was answered by a fault. */
async function restFault(sim: SimulatorHost, response: ServerResponse, body: () => string): Promise<boolean> {
  const faults: Faults = sim.faults;
  if (faults.slow) await delay(faults.slow);
  if (faults.status) {
    send(response, faults.status, message(faults.status === 503 ? 'Marathon is unavailable' : 'Internal server error'));
    return true;
  }
  if (faults.garbage) {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    response.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
    response.end(html);
    return true;
  }
  if (faults.truncate) {
    const full = body();
    const half = full.slice(0, Math.floor(full.length / 2));
    send(response, 200, half);
    return true;
  }
  return false;
}

async function proxy(target: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await readBodyRaw(request);
  const upstream = await fetch(`${target.replace(/\/+$/, '')}${request.url}`, {
    method: request.method ?? 'GET',
    headers: Object.fromEntries(Object.entries(request.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length')) as Record<string, string>,
    ...(body ? { body } : {}),
  });
  const text = await upstream.text();
  response.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? JSON_TYPE, 'X-Marathon-Via': '1.1 sim-standby' });
  response.end(text);
}

async function readBodyRaw(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}


/** The HTTP side of the simulator: Marathon's REST API and event stream, plus `/_sim/*` controls. */
export function createSimulatorServer(sim: SimulatorHost): Server {
  const server = createServer((request, response) => {
    // Down: the connection is reset once the request arrives (resetting it before may leave
    // a client waiting for its timeout instead of failing at once).
    if (sim.faults.down) {
      request.socket.destroy();
      return;
    }
    handle(sim, request, response).catch((error: unknown) => {
      const status = (error as { status?: number }).status ?? 500;
      if (!response.headersSent) send(response, status, message((error as Error).message));
      else response.destroy();
    });
  });
  return server;
}

async function handle(sim: SimulatorHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sim');
  const path = url.pathname;
  const method = request.method ?? 'GET';
  sim.requests.push({ method, path: `${path}${url.search}`, at: Date.now() });

  if (path.startsWith('/_sim/')) return control(sim, method, path, request, response);
  if (!authorized(sim, request)) return unauthorized(sim, response);
  for (const [key, value] of Object.entries(sim.commonHeaders())) response.setHeader(key, value);

  if (path === '/v2/events') {
    if (method !== 'GET') return send(response, 405, message('method not allowed'));
    if (sim.faults.redirectEventsTo) {
      response.writeHead(302, { Location: `${sim.faults.redirectEventsTo.replace(/\/+$/, '')}/v2/events${url.search}`, 'Content-Length': 0 });
      response.end();
      return;
    }
    if (sim.faults.eventsStatus) return send(response, sim.faults.eventsStatus, message('unavailable'));
    // Jetty's EventSourceServlet compares the Accept header with equals("text/event-stream").
    if (request.headers.accept !== 'text/event-stream') {
      const html = '<html><body><h2>HTTP ERROR 405</h2><p>HTTP method GET is not supported by this URL</p></body></html>';
      response.writeHead(405, { 'Content-Type': 'text/html;charset=iso-8859-1', 'Content-Length': Buffer.byteLength(html) });
      response.end(html);
      return;
    }
    const types = url.searchParams.getAll('event_type');
    sim.hub.attach(request, response, types.length > 0 ? new Set(types) : undefined);
    return;
  }

  if (path === '/ping') {
    const wantsJson = request.headers.accept === 'application/json';
    response.writeHead(200, { 'Content-Type': wantsJson ? JSON_TYPE : 'text/plain' });
    response.end(wantsJson ? '"pong"' : 'pong');
    return;
  }

  if (sim.faults.proxyTo && method === 'GET') return proxy(sim.faults.proxyTo, request, response);

  if (method === 'GET') {
    if (path === '/v2/info') return send(response, 200, sim.infoBody());
    if (path === '/v2/leader') return send(response, 200, JSON.stringify({ leader: sim.leader }));
    if (path === '/v2/apps' || path === '/v2/apps/') {
      const embeds = url.searchParams.getAll('embed');
      const tasks = embeds.some((e) => /^(apps?\.|group\.apps\.)?(tasks|failures)$/.test(e));
      const idFilter = url.searchParams.get('id') ?? undefined;
      const body = () => sim.appsBody({ tasks, ...(idFilter ? { idFilter } : {}) });
      if (await restFault(sim, response, body)) return;
      return send(response, 200, body());
    }
    if (path === '/v2/tasks') {
      const body = () => sim.tasksBody();
      if (await restFault(sim, response, body)) return;
      return send(response, 200, body());
    }
    const appTasks = /^\/v2\/apps\/(.+)\/tasks\/?$/.exec(path);
    if (appTasks) {
      const id = appIdOf(appTasks[1]!);
      if (!sim.app(id)) return send(response, 404, message(`App '${id}' does not exist`));
      return send(response, 200, sim.tasksBody(id));
    }
    const single = /^\/v2\/apps\/(.+)$/.exec(path);
    if (single) {
      const id = appIdOf(single[1]!);
      const body = sim.appBody(id);
      if (await restFault(sim, response, () => body ?? message(`App '${id}' does not exist`))) return;
      if (!body) return send(response, 404, message(`App '${id}' does not exist`));
      return send(response, 200, body);
    }
    return send(response, 404, message(`no such resource: ${path}`));
  }

  // Write API (enough to drive the simulator with curl).
  if (method === 'POST' && (path === '/v2/apps' || path === '/v2/apps/')) {
    const definition = await readBody(request);
    const deploymentId = await sim.createApp(definition);
    const id = String(definition.id).startsWith('/') ? String(definition.id) : `/${String(definition.id)}`;
    return send(response, 201, sim.appBody(id)?.replace(/^\{"app":|\}$/g, '') ?? '{}', {
      Location: `${sim.url}/v2/apps${id}`,
      'Marathon-Deployment-Id': deploymentId,
    });
  }
  const appPath = /^\/v2\/apps\/(.+?)(?:\/tasks\/([^/]+))?\/?$/.exec(path);
  if (appPath && (method === 'PUT' || method === 'PATCH') && !appPath[2]) {
    const id = appIdOf(appPath[1]!);
    const patch = await readBody(request);
    const placements = (patch.placements as Placement[] | undefined) ?? [];
    delete patch.placements;
    const deploymentId = await sim.updateApp(id, patch, placements);
    return send(response, 200, JSON.stringify({ version: new Date().toISOString(), deploymentId }), { 'Marathon-Deployment-Id': deploymentId });
  }
  if (appPath && method === 'DELETE' && appPath[2]) {
    const taskId = decodeURIComponent(appPath[2]);
    const task = sim.task(taskId);
    if (!task) return send(response, 404, message(`Task '${taskId}' does not exist`));
    await sim.killTask(taskId, { scale: url.searchParams.get('scale') === 'true' });
    return send(response, 200, JSON.stringify({ task }));
  }
  if (appPath && method === 'DELETE') {
    const deploymentId = await sim.deleteApp(appIdOf(appPath[1]!));
    return send(response, 200, JSON.stringify({ version: new Date().toISOString(), deploymentId }), { 'Marathon-Deployment-Id': deploymentId });
  }
  if (method === 'POST' && path === '/v2/tasks/delete') {
    const body = await readBody(request);
    const scale = url.searchParams.get('scale') === 'true';
    for (const id of (body.ids as string[] | undefined) ?? []) await sim.killTask(id, { scale });
    return send(response, 200, JSON.stringify({ tasks: [] }));
  }
  return send(response, 405, message(`${method} ${path} is not supported by the simulator`));
}
