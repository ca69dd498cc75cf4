import { readFileSync } from 'node:fs';
import ejs from 'ejs';
import type { NginxView } from './view.js';

export const DEFAULT_TEMPLATE = new URL('../templates/nginx.conf.ejs', import.meta.url);

/** What `<%= … %>` does with a value: control characters (a newline above all) become `_`. */
export function sanitize(value: unknown): string {
  return String(value).replace(/[\u0000-\u001f\u007f]/g, '_');
}

export type Renderer = (view: NginxView) => string;

/** Compiles a template (the default one unless `file` is given) into a renderer. */
export function compileTemplate(file?: string): Renderer {
  let text: string;
  try {
    text = readFileSync(file ?? DEFAULT_TEMPLATE, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the nginx template ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return ejs.compile(text, { strict: true, localsName: 'view', escape: sanitize, ...(file ? { filename: file } : {}) }) as unknown as Renderer;
  } catch (error) {
    throw new Error(`the nginx template ${file} does not compile: ${(error as Error).message.split('\n')[0]}`);
  }
}
