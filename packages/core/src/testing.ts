// @mmsd/core/testing: for the tests of plugins (ours and anyone's): a store to build snapshots
// with, a resolver without DNS, a plugin context and a hooks object to apply a plugin to, and
// file helpers.
import type { MarathonApp } from './marathon/types.js';
import { createStaticResolver } from './model/address-resolver.js';
import type { Snapshot } from './model/types.js';
import { StateStore } from './state/store.js';

export { StateStore } from './state/store.js';
export { createStaticResolver } from './model/address-resolver.js';
// scopeHooks: the hooks as mmsd hands them to one plugin (tap-only, taps named after it).
export { createHooks, scopeHooks } from './plugins/hooks.js';
export { fileHelpers } from './util/files.js';
export { RetryingFileWriter } from './util/retrying-files.js';
export { pluginContext, pluginOptions, testConfig } from './testing-context.js';
export { tempDir, waitFor } from './testing-helpers.js';
export type { TestPluginContext } from './testing-context.js';

/** The snapshot a full sync of `apps` (Marathon's JSON) gives an agent of `groups`, its hosts resolved from `hosts`. */
export function snapshotOf(apps: MarathonApp[], groups: readonly string[] = ['*'], hosts: Record<string, string> = {}): Snapshot {
  const store = new StateStore({ groups, resolver: createStaticResolver(hosts) });
  store.replaceAll(apps);
  return store.publish()!.snapshot;
}
export type { BackoffOptions } from './util/backoff.js';
