import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MmsdPlugin } from '@mmsd/core';
import { NginxController } from './controller.js';
import type { NginxOptions } from './options.js';
import { optionsSchema } from './options.js';
import { compileTemplate } from './render.js';

/**
 * mmsd's nginx handler: an upstream per exposed service with its
 * up tasks, a server on each HTTP service's port, TCP services in `stream {}` when nginx has the
 * stream module, Host and SNI gateways for lb-vhost. Every config passes `nginx -t` before it
 * replaces the file; nginx is reloaded by signal, at most once per minReloadInterval.
 */
const nginx = {
  name: 'nginx',
  mmsd: '^0.1.0',
  optionsSchema,
  async apply(hooks, ctx) {
    const options = ctx.options;
    if (ctx.mode === 'run' || ctx.mode === 'once') {
      const dirs = [['configFile', options.configFile], ...(options.manage ? [['pidFile', options.pidFile], ['logFile', options.logFile]] : [])];
      await ctx.files.ensureDirs([...dirs.map(([option, path]) => ({ path: dirname(path!), option: `nginx ${option}` })), ...(options.manage ? [{ path: options.tempDir, option: 'nginx tempDir' }] : [])]);
    }
    const stream = existsSync(options.streamModule);
    const luaPresent = existsSync(options.luaModule) && existsSync(options.ndkModule);
    if (options.dynamic === 'lua' && !luaPresent) {
      throw new Error(`nginx dynamic: "lua" needs nginx's Lua module (${options.luaModule} and ${options.ndkModule}; Debian: libnginx-mod-http-lua); install it, or use dynamic: auto or reload`);
    }
    const lua = options.dynamic !== 'reload' && luaPresent;
    const template = options.template && ctx.resolvePath(options.template);
    const controller = new NginxController(ctx, options, compileTemplate(template), stream, lua);
    hooks.onStart.tap(() => {
      ctx.log.info(
        'backend changes reach nginx %s (dynamic: %s); stream module %s',
        lua ? `through its Lua module, without a reload (HTTP services; set on 127.0.0.1:${options.controlPort})` : 'by a reload',
        options.dynamic,
        stream ? 'present: TCP services and the HTTPS gateway are served' : `absent (${options.streamModule}): only HTTP services are served`,
      );
    });
    hooks.onRender.tap((artifacts, snapshot) => [...artifacts, { plugin: 'nginx', path: options.configFile, content: controller.render(snapshot).text, mode: 0o644 }]);
    hooks.onSnapshot.tapPromise((snapshot, changes) => controller.onSnapshot(snapshot, changes));
    hooks.onShutdown.tapPromise(() => controller.shutdown());
  },
} satisfies MmsdPlugin<NginxOptions>;

export default nginx;
export type { NginxOptions } from './options.js';
export { buildView } from './view.js';
export type { NginxView, ServiceView, HostRoutes, UpstreamServer } from './view.js';
export { compileTemplate, DEFAULT_TEMPLATE } from './render.js';
