// `/_sim/*`: the simulator's controls, beside Marathon's API (server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appIdOf, message, readBody, send } from './http-util.js';
import type { Faults, LaunchTiming, Placement, SimulatorHost } from './sim-api.js';

/** Each simulator's last delayed launches (`after`): their times, by task id. */
const delayedLaunches = new WeakMap<SimulatorHost, Map<string, object>>();
function launchTimings(sim: SimulatorHost): Map<string, object> {
  let timings = delayedLaunches.get(sim);
  if (!timings) delayedLaunches.set(sim, (timings = new Map()));
  return timings;
}
function rememberTiming(sim: SimulatorHost, taskId: string, timing: object): void {
  const timings = launchTimings(sim);
  timings.set(taskId, timing);
  if (timings.size > 10_000) timings.delete(timings.keys().next().value!);
}

/**
 * `/_sim/*`: controls that are not Marathon's API. `POST /_sim/faults` {…Faults},
 * `DELETE /_sim/faults`, `POST /_sim/streams/drop`, `POST /_sim/tasks/<id>/health` {alive},
 * `POST /_sim/tasks/<id>/state` {state}, `POST /_sim/apps/<id>/launch` {host, ports, after},
 * `GET /_sim/tasks/<id>/timing` (of a launch with `after`),
 * `POST /_sim/events` {eventType, …}, `GET /_sim/requests`.
 */
export async function control(sim: SimulatorHost, method: string, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const ok = (value: unknown = { ok: true }) => send(response, 200, JSON.stringify(value));
  if (path === '/_sim/faults' && method === 'POST') {
    sim.setFaults((await readBody(request)) as Faults);
    return ok(sim.faults);
  }
  if (path === '/_sim/faults' && method === 'DELETE') {
    sim.clearFaults();
    return ok();
  }
  if (path === '/_sim/streams/drop' && method === 'POST') {
    sim.dropStreams();
    return ok();
  }
  if (path === '/_sim/requests' && method === 'GET') return ok(sim.requests);
  if (path === '/_sim/events' && method === 'POST') {
    const event = await readBody(request);
    sim.emit(event as { eventType: string });
    return ok();
  }
  const health = /^\/_sim\/tasks\/([^/]+)\/health$/.exec(path);
  if (health && method === 'POST') {
    const body = await readBody(request);
    await sim.setHealth(decodeURIComponent(health[1]!), body.alive !== false, typeof body.cause === 'string' ? body.cause : undefined);
    return ok();
  }
  const state = /^\/_sim\/tasks\/([^/]+)\/state$/.exec(path);
  if (state && method === 'POST') {
    const body = await readBody(request);
    await sim.setTaskState(decodeURIComponent(state[1]!), String(body.state));
    return ok();
  }
  const launch = /^\/_sim\/apps\/(.+)\/launch$/.exec(path);
  if (launch && method === 'POST') {
    const { after, ...placement } = (await readBody(request)) as Placement & { after?: unknown };
    const timing: LaunchTiming = {};
    if (typeof after !== 'number' || !(after > 0)) {
      const taskId = await sim.launchTask(appIdOf(launch[1]!), placement, timing);
      return ok({ taskId, runningAt: timing.runningAt, healthAt: timing.healthAt });
    }
    // Answered at once; the launch follows `after` ms later, its times at GET …/timing.
    timing.delayMs = after;
    const launched = sim.launchTask(appIdOf(launch[1]!), placement, timing);
    if (timing.taskId === undefined) await launched;
    const taskId = timing.taskId!;
    launched.then(
      () => rememberTiming(sim, taskId, { runningAt: timing.runningAt, healthAt: timing.healthAt }),
      (error: unknown) => rememberTiming(sim, taskId, { error: (error as Error).message }),
    );
    return ok({ taskId });
  }
  const timingOf = /^\/_sim\/tasks\/([^/]+)\/timing$/.exec(path);
  if (timingOf && method === 'GET') {
    const timing = launchTimings(sim).get(decodeURIComponent(timingOf[1]!));
    return timing ? ok(timing) : send(response, 404, message(`no delayed launch of ${timingOf[1]} has finished`));
  }
  return send(response, 404, message(`no such control: ${method} ${path}`));
}
