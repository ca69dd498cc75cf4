import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileTemplate } from '../src/index.js';

async function templateFile(t: { teardown(fn: () => unknown): void }, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mmsd-template-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'haproxy.cfg.ejs');
  await writeFile(file, text);
  return file;
}

test('a template that does not compile is refused with its path and ejs reason, without the advice ejs appends', async (t) => {
  const file = await templateFile(t, 'global\n<% if (x { %>\n');
  const error = t.throws(() => compileTemplate(file));
  t.regex(error!.message, new RegExp(`^the HAProxy template ${file} does not compile: Unexpected token`));
  t.false(error!.message.includes('EJS-Lint'));
});

test('a missing template is refused with its path', (t) => {
  const error = t.throws(() => compileTemplate('/nonexistent/haproxy.cfg.ejs'));
  t.is(error!.message, 'cannot read the HAProxy template /nonexistent/haproxy.cfg.ejs: ENOENT');
});

test('strict mode: a template that names an unknown variable fails when rendered, naming it', async (t) => {
  const file = await templateFile(t, 'global\n  maxconn <%= maxconn %>\n');
  const render = compileTemplate(file);
  t.throws(() => render({} as never), { message: /maxconn is not defined/ });
});

test('<%= %> cannot start a line: control characters become _', async (t) => {
  const file = await templateFile(t, 'x <%= view.evil %>\n');
  t.is(compileTemplate(file)({ evil: 'a\nbind 0.0.0.0:22\r\t' } as never), 'x a_bind 0.0.0.0:22__\n');
});
