// What the tests need from @mmsd/core at run time (the plugin itself imports only types).
export { createHooks, createStaticResolver, StateStore } from '@mmsd/core';
import { readIfExists, removeIfExists, writeIfChanged } from '@mmsd/core';
import type { FileHelpers } from '@mmsd/core';

export const fileHelpersForTests: FileHelpers = { write: writeIfChanged, remove: removeIfExists, read: readIfExists };
