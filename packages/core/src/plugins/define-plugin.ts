import type { MmsdPlugin } from './api.js';

/**
 * Identity, for typing (DESIGN §5): `export default definePlugin({ name, optionsSchema, apply })`.
 * `satisfies MmsdPlugin<Options>` does the same without a run-time import of @mmsd/core.
 */
export function definePlugin<Options = Record<string, unknown>>(plugin: MmsdPlugin<Options>): MmsdPlugin<Options> {
  return plugin;
}
