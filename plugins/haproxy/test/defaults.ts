import { Ajv } from 'ajv';
import { optionsSchema } from '../src/options.js';
import type { HaproxyOptions } from '../src/options.js';

export { createHooks, createStaticResolver, StateStore } from '@mmsd/core/testing';

/** The options with the schema's defaults, plus `overrides` (as mmsd would validate them). */
export function optionsDefaults(overrides: Record<string, unknown> = {}): HaproxyOptions {
  const options = structuredClone(overrides);
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(optionsSchema);
  if (!validate(options)) throw new Error(JSON.stringify(validate.errors));
  return options as unknown as HaproxyOptions;
}
