#!/usr/bin/env node
// A larger libuv threadpool (file writes of many services at once, DNS lookups) unless the
// operator chose one; it must be set before anything uses the pool, hence the dynamic imports.
process.env.UV_THREADPOOL_SIZE ??= '16';
// fetch parses HTTP with a WebAssembly build of llhttp; V8's optimizing compile of it took
// ~28 MB at its peak, more than mmsd's whole model of 100 apps. The baseline compiler's code
// parses Marathon's answers as fast here (docs/performance.md).
(await import('node:v8')).setFlagsFromString('--liftoff-only');
const { execute } = await import('@oclif/core');
const { withDefaultCommand } = await import('../dist/default-command.js');

await execute({ dir: import.meta.url, args: withDefaultCommand(process.argv.slice(2)) });
