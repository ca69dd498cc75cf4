#!/usr/bin/env node
// A larger libuv threadpool (file writes of many services at once, DNS lookups) unless the
// operator chose one; it must be set before anything uses the pool, hence the dynamic imports.
process.env.UV_THREADPOOL_SIZE ??= '16';
// Memory (docs/performance.md): fetch parses HTTP with a WebAssembly build of llhttp, and
// V8's optimizing compile of it peaked at ~28 MB, more than mmsd's whole model of 100 apps;
// its baseline compile parses Marathon's answers as fast. The young generation keeps its
// initial size instead of growing to 16 MB: 10-15 MB less at any cluster size, and the full
// sync of 10,000 apps is not slower. The old generation may grow 30% past what a full
// collection left, not twice as far: a reload at 5,000 apps piled up ~100 MB of garbage first
// (peak 184-209 -> 148-155 MB), for ~0.5 s more CPU in a full sync of 10,000 apps.
const { setFlagsFromString } = await import('node:v8');
setFlagsFromString('--liftoff-only');
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=30');
const { execute, settings } = await import('@oclif/core');
const { withDefaultCommand } = await import('../dist/default-command.js');
// mmsd runs its built commands only: with NODE_ENV=development or test, oclif would otherwise
// look for TypeScript sources (an installed mmsd has none, and failed to start).
settings.enableAutoTranspile = false;

await execute({ dir: import.meta.url, args: withDefaultCommand(process.argv.slice(2)) });
