import { dirname } from 'node:path';
import type { MmsdPlugin } from '@mmsd/core';
import { HaproxyController } from './controller.js';
import type { HaproxyOptions } from './options.js';
import { optionsSchema } from './options.js';
import { compileTemplate } from './render.js';
import { watchCertificates } from './tls-watch.js';

/** The directories of the files mmsd and HAProxy write (all of them only when mmsd runs HAProxy). */
function runtimeDirs(options: HaproxyOptions): { path: string; option: string }[] {
  const paths: [keyof HaproxyOptions, string][] = [['configFile', options.configFile]];
  if (options.manage) {
    paths.push(['pidFile', options.pidFile], ['socket', options.socket], ['masterSocket', options.masterSocket], ['stateFile', options.stateFile], ['logFile', options.logFile]);
  }
  return paths.map(([option, path]) => ({ path: dirname(path), option: `haproxy ${option}` }));
}

/**
 * mmsd's HAProxy handler: every exposed TCP service gets a listener on its service port with
 * the node's up tasks as servers; lb-vhost services are routed by Host header (HTTP) and SNI
 * (HTTPS passthrough). Backend changes go through the runtime API, structural ones reload
 * (hitless, master-worker); every config is checked before it replaces the running one.
 */
const haproxy: MmsdPlugin<HaproxyOptions> = {
  name: 'haproxy',
  mmsd: '^0.1.0',
  optionsSchema,
  async apply(hooks, ctx) {
    // Certificate paths are relative to the config file, as the template's is.
    const options: HaproxyOptions = ctx.options.tls ? { ...ctx.options, tls: { certs: ctx.options.tls.certs.map((c) => ctx.resolvePath(c)) } } : ctx.options;
    if (ctx.mode === 'run' || ctx.mode === 'once') await ctx.files.ensureDirs(runtimeDirs(options));
    const template = options.template && ctx.resolvePath(options.template);
    const controller = new HaproxyController(ctx, options, compileTemplate(template));
    hooks.onRender.tap((artifacts, snapshot) => [
      ...artifacts,
      { plugin: 'haproxy', path: options.configFile, content: controller.renderSnapshot(snapshot).text, mode: 0o644 },
    ]);
    hooks.onSnapshot.tapPromise((snapshot, changes) => controller.onSnapshot(snapshot, changes));
    if (options.tls && ctx.mode === 'run') {
      const stop = watchCertificates(options.tls.certs, () => controller.certificatesChanged());
      hooks.onShutdown.tap(stop);
    }
    hooks.onShutdown.tapPromise(() => controller.shutdown());
  },
};

export default haproxy;
export type { HaproxyOptions } from './options.js';
export { optionsSchema } from './options.js';
export { buildView, serviceView } from './view.js';
export type { GatewayView, HaproxyView, ServerView, ServiceView } from './view.js';
export { compileTemplate, DEFAULT_TEMPLATE, sanitize } from './render.js';
export { cli as haproxyCli, parseServersState, workerPid as haproxyWorkerPid } from './socket.js';
export { proxyName, serverName } from './names.js';
export type { ServerRuntimeState } from './socket.js';
