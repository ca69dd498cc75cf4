import { readFileSync } from 'node:fs';
import ejs from 'ejs';
import type { HaproxyView } from './view.js';

export const DEFAULT_TEMPLATE = new URL('../templates/haproxy.cfg.ejs', import.meta.url);

/**
 * What `<%= … %>` does with a value: control characters (a newline above all) become `_`, so
 * no value — not even a raw label in a custom template — can start a line of its own.
 */
export function sanitize(value: unknown): string {
  return String(value).replace(/[\u0000-\u001f\u007f]/g, '_');
}

export type Renderer = (view: HaproxyView) => string;

/** Compiles a template (the default one unless `file` is given) into a renderer. */
export function compileTemplate(file?: string): Renderer {
  let text: string;
  try {
    text = readFileSync(file ?? DEFAULT_TEMPLATE, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the HAProxy template ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let render: (view: HaproxyView) => string;
  try {
    render = ejs.compile(text, {
      strict: true,
      localsName: 'view',
      escape: sanitize,
      ...(file ? { filename: file } : {}),
    }) as unknown as (view: HaproxyView) => string;
  } catch (error) {
    // ejs appends advice about EJS-Lint and async functions: the first line is the reason.
    throw new Error(`the HAProxy template ${file} does not compile: ${(error as Error).message.split('\n')[0]}`);
  }
  return (view) => render(view);
}
