import test from 'ava';
import { readFile } from 'node:fs/promises';
import { parseServersState } from '../src/index.js';
import { failures, parseShowProc } from '../src/socket.js';

// HAProxy 2.6's answer after: `disabled` servers "enabled" (set ready) and "draining" (set
// drain), "disabled" left alone, "forced" set to maint from ready.
const STATE = new URL('./fixtures/show-servers-state.txt', import.meta.url);

test('show servers state: a server disabled in the config and enabled at run time is ready (CMAINT is only a marker)', async (t) => {
  const servers = parseServersState(await readFile(STATE, 'utf8'));
  t.deepEqual(
    servers.map((s) => [s.server, s.admin, s.operational]),
    [
      ['enabled', 'ready', 'up'],
      ['draining', 'drain', 'up'],
      ['disabled', 'maint', 'down'],
      ['ready', 'ready', 'up'],
      ['forced', 'maint', 'down'],
    ],
  );
  t.deepEqual(servers[0], { backend: 'web', server: 'enabled', address: '127.0.0.1', port: 24301, admin: 'ready', operational: 'up' });
});

test('show proc of the master CLI', (t) => {
  const text = [
    '#<PID>          <type>          <reloads>       <uptime>        <version>      ',
    '16604           master          3 [failed: 1]   0d00h00m03s     2.6.12-1+deb12u4',
    '# workers',
    '16700           worker          0               0d00h00m01s     2.6.12-1+deb12u4',
    '# old workers',
    '16650           worker          1               0d00h00m02s     2.6.12-1+deb12u4',
    '# programs',
    '',
  ].join('\n');
  t.deepEqual(parseShowProc(text), { master: 16604, reloads: 3, failed: 1, workers: [16700] });
  t.is(parseShowProc('Unknown command.'), undefined);
});

test('runtime API answers: success messages are not failures', (t) => {
  t.deepEqual(failures("New server registered.\n\nServer deleted.\nIP changed from '10.0.0.1' to '10.0.0.2', port changed from '1' to '2' by 'stats socket command'\n"), []);
  t.deepEqual(failures('Server still has connections attached to it, cannot remove it.\n'), ['Server still has connections attached to it, cannot remove it.']);
});
