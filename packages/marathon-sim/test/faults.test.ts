import test from 'ava';
import { MarathonSimulator, sampleApps } from '../src/index.js';

async function started() {
  const sim = await MarathonSimulator.start();
  sim.loadApps(sampleApps());
  return sim;
}

test('status: REST answers that status with a JSON message', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  sim.setFaults({ status: 503 });
  const response = await fetch(`${sim.url}/v2/apps?embed=apps.tasks`);
  t.is(response.status, 503);
  t.deepEqual(await response.json(), { message: 'Marathon is unavailable' });
});

test('garbage: 200 with HTML', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  sim.setFaults({ garbage: true });
  const response = await fetch(`${sim.url}/v2/apps`);
  t.is(response.status, 200);
  t.regex(await response.text(), /<html>/);
});

test('truncate: 200 with half of the JSON', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const full = await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).text();
  sim.setFaults({ truncate: true });
  const half = await (await fetch(`${sim.url}/v2/apps?embed=apps.tasks`)).text();
  t.is(half, full.slice(0, Math.floor(full.length / 2)));
  t.throws(() => JSON.parse(half));
});

test('down: connections are reset; stop() refuses them; listen() on the same port brings it back', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  sim.setFaults({ down: true });
  await t.throwsAsync(fetch(`${sim.url}/ping`));
  sim.clearFaults();
  const port = sim.port;
  await sim.stop();
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/ping`));
  await sim.listen(port);
  t.is((await fetch(`${sim.url}/ping`)).status, 200);
  t.is(sim.appIds().length, 6, 'the state survived');
});

test('slow: answers are delayed', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  sim.setFaults({ slow: 200 });
  const started0 = performance.now();
  await fetch(`${sim.url}/v2/apps`);
  t.true(performance.now() - started0 >= 190);
});

test('proxyTo (standby) and redirectEventsTo (1.7+ standby)', async (t) => {
  const leader = await started();
  const standby = await MarathonSimulator.start();
  t.teardown(async () => {
    await leader.close();
    await standby.close();
  });
  standby.setFaults({ proxyTo: leader.url, redirectEventsTo: leader.url });
  const apps = (await (await fetch(`${standby.url}/v2/apps`)).json()) as { apps: unknown[] };
  t.is(apps.apps.length, 6);
  const redirect = await fetch(`${standby.url}/v2/events?plan-format=light`, { redirect: 'manual', headers: { Accept: 'text/event-stream' } });
  t.is(redirect.status, 302);
  t.is(redirect.headers.get('location'), `${leader.url}/v2/events?plan-format=light`);
});

test('the control API: faults, health, launch, events, requests', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const post = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  t.is((await post('/_sim/faults', { status: 500 })).status, 200);
  t.is((await fetch(`${sim.url}/v2/apps`)).status, 500);
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  const task = sim.tasks('/developer/trapni/php')[0]!.id;
  await post(`/_sim/tasks/${task}/health`, { alive: false });
  t.false((sim.task(task)!.healthCheckResults as { alive: boolean }[])[0]!.alive);
  const before = performance.timeOrigin + performance.now();
  const launched = (await (await post('/_sim/apps/developer/trapni/worker/launch', { host: 'h', ports: [1, 2] })).json()) as { taskId: string; runningAt: number };
  t.deepEqual(sim.task(launched.taskId)!.ports, [1, 2]);
  // When its TASK_RUNNING went out: during the request.
  t.true(launched.runningAt > before && launched.runningAt < performance.timeOrigin + performance.now(), String(launched.runningAt));
  const requests = (await (await fetch(`${sim.url}/_sim/requests`)).json()) as { path: string }[];
  t.true(requests.some((r) => r.path === '/v2/apps'));
});

test('a launch with `after` is answered with its task id at once; the task and its times follow', async (t) => {
  const sim = await started();
  t.teardown(() => sim.close());
  const post = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const answered = performance.timeOrigin + performance.now();
  const { taskId } = (await (await post('/_sim/apps/developer/trapni/worker/launch', { host: 'h', ports: [3, 4], after: 200 })).json()) as { taskId: string };
  t.regex(taskId, /^developer_trapni_worker\./);
  t.is(sim.task(taskId), undefined, 'not launched yet');
  t.is((await fetch(`${sim.url}/_sim/tasks/${taskId}/timing`)).status, 404);
  let timing: Response;
  while ((timing = await fetch(`${sim.url}/_sim/tasks/${taskId}/timing`)).status === 404) await new Promise((resolve) => setTimeout(resolve, 20));
  const { runningAt } = (await timing.json()) as { runningAt: number };
  t.true(runningAt >= answered + 200, `${runningAt - answered} ms`);
  t.deepEqual(sim.task(taskId)!.ports, [3, 4]);
  t.is((await post('/_sim/apps/no/such/app/launch', { after: 10 })).status, 404);
});
