import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession, commandsIn } from '../src/cli-session.js';
import { cli, workerPid } from '../src/socket.js';

/** A real HAProxy (master-worker, no listener but its admin socket) for one test; stopped by it. */
async function haproxy(t: { teardown(fn: () => Promise<void>): void }, statsTimeout = '10s') {
  const dir = await mkdtemp(join(tmpdir(), 'mmsd-cli-session-'));
  const socket = join(dir, 'admin.sock');
  const master = join(dir, 'master.sock');
  const config = join(dir, 'haproxy.cfg');
  await writeFile(config, ['global', `  stats socket ${socket} mode 600 level admin`, `  stats timeout ${statsTimeout}`, 'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', 'backend web', '  server a 127.0.0.1:9 disabled', ''].join('\n'));
  const child = spawn('haproxy', ['-W', '-f', config, '-S', master], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });
  const answers = async () => (await workerPid(socket, 500)) !== undefined && /master/.test(await cli(master, 'show proc', 500).catch(() => ''));
  for (let i = 0; i < 500 && !(await answers()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return { socket, master };
}

async function cliStreams(socket: string): Promise<number> {
  return (await cli(socket, 'show sess')).split('\n').filter((l) => /^0x/.test(l)).length;
}

/** The lines of an answer that say something (interactive mode has fewer blank lines). */
const said = (answer: string) => answer.split('\n').filter(Boolean);

test('answers come back in order and as a one-shot connection gives them, also for several commands in a line', async (t) => {
  const { socket } = await haproxy(t);
  const session = new CliSession(socket);
  t.teardown(() => session.close());
  const answers = await Promise.all([
    session.run('add server web/b 127.0.0.1:10'),
    session.run('set server web/b state ready;set server web/a state drain'),
    session.run('show servers state web'),
    session.run('no such command'),
  ]);
  t.deepEqual(said(answers[0]!), ['New server registered.']);
  t.is(answers[1], '\n\n');
  t.regex(answers[2]!, /^1\n# be_id be_name srv_id srv_name/);
  t.deepEqual(said(answers[2]!), said(await cli(socket, 'show servers state web')));
  t.regex(answers[3]!, /Unknown command/);
  t.deepEqual(said(answers[3]!), said(await cli(socket, 'no such command')));
});

test('each command of a line is answered up to its own prompt: a refusal in the middle of a line stays with that line', async (t) => {
  const { socket } = await haproxy(t);
  const session = new CliSession(socket);
  t.teardown(() => session.close());
  const refused = await session.run('add server web/c 127.0.0.1:11;set server web/c state ready;del server web/c;set server web/a state drain');
  t.deepEqual(said(refused), ['New server registered.', 'Only servers in maintenance mode can be deleted.']);
  t.deepEqual(said(await session.run('set server web/c state maint;del server web/c')), ['Server deleted.']);
  t.deepEqual(said(await session.run('show servers state web')).length, 3, 'the version line, the header, server a');
  t.is(commandsIn('a;b\\;c;d'), 3);
  t.is(commandsIn('show info'), 1);
});

test('after a reload a closed session connects to the new worker; an old one would still reach the old worker', async (t) => {
  const { socket, master } = await haproxy(t);
  const session = new CliSession(socket, { maxAgeMs: 60_000 });
  t.teardown(() => session.close());
  const pid = (answer: string) => Number(/^Pid: (\d+)$/m.exec(answer)?.[1]);
  const before = pid(await session.run('show info'));
  await cli(master, 'reload');
  let after: number | undefined;
  while ((after = await workerPid(socket)) === before || after === undefined) await new Promise((resolve) => setImmediate(resolve));
  t.is(pid(await session.run('show info')), before, 'the connection stays with the worker that accepted it');
  session.close();
  t.is(pid(await session.run('show info')), after);
});

test('a session HAProxy closed (its stats timeout) is reopened for the next command', async (t) => {
  const { socket } = await haproxy(t, '100ms');
  const session = new CliSession(socket, { idleMs: 60_000, maxAgeMs: 60_000 });
  t.teardown(() => session.close());
  t.regex(await session.run('show info'), /^Name: HAProxy/m);
  // Wait until HAProxy has dropped it: only the `show sess` stream itself is left.
  while ((await cliStreams(socket)) > 1) await new Promise((resolve) => setTimeout(resolve, 20));
  t.regex(await session.run('show info'), /^Name: HAProxy/m);
});

test('reconnect: false — a session stays with its worker: once closed, a command fails rather than reach a new one', async (t) => {
  const { socket, master } = await haproxy(t);
  const session = new CliSession(socket, { idleMs: 60_000, maxAgeMs: 60_000, reconnect: false });
  t.teardown(() => session.close());
  const pid = (answer: string) => Number(/^Pid: (\d+)$/m.exec(answer)?.[1]);
  const before = pid(await session.run('show info'));
  await cli(master, 'reload');
  while ((await workerPid(socket)) === before) await new Promise((resolve) => setImmediate(resolve));
  t.is(pid(await session.run('show info')), before);
  session.close();
  t.regex((await t.throwsAsync(session.run('show info')))!.message, /session with .*admin\.sock is closed/);
});

test('no HAProxy: the command fails with the socket named', async (t) => {
  const session = new CliSession(join(tmpdir(), 'mmsd-no-such-haproxy.sock'));
  const error = await t.throwsAsync(session.run('show info'));
  t.regex(error!.message, /mmsd-no-such-haproxy\.sock/);
});

test('a command the runtime API refuses is logged and left to a reload (RuntimeSender); what it accepted stays', async (t) => {
  const { RuntimeSender } = await import('../src/runtime-sender.js');
  const { format } = await import('node:util');
  const { socket } = await haproxy(t);
  const warned: string[] = [];
  const counted: Record<string, number> = {};
  let fellBack = 0;
  const log = { debug() {}, info() {}, warn: (m: string, ...a: unknown[]) => warned.push(format(m, ...a)), error() {}, fatal() {}, child: () => log, component: 'test' };
  const sender = new RuntimeSender({
    socket,
    log,
    commands: { inc: (labels?: Record<string, string>, n = 1) => void (counted[labels?.outcome ?? 'ok'] = (counted[labels?.outcome ?? 'ok'] ?? 0) + n) },
    fallBack: () => void fellBack++,
    enqueue: (step) => void step(),
    running: () => true,
  });
  t.teardown(() => sender.stop());
  await sender.send(['add server web/ok 127.0.0.1:12', 'add server web/bad 127.0.0.1:13 cookie bad', 'set server web/ok state ready']);
  t.is(fellBack, 1, 'a reload is asked for');
  t.is(warned.length, 1);
  t.regex(warned[0]!, /the HAProxy runtime API refused some changes .*cookie.*reloading instead/);
  t.is(counted.refused, 1);
  t.regex(await cli(socket, 'show servers state web'), / web 2 ok 127\.0\.0\.1 /, 'the accepted server is there');
});
