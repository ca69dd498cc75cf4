// What the tests need from @mmsd/core at run time (the plugin itself imports only types).
export { createHooks, createStaticResolver, pluginContext, scopeHooks, StateStore, tempDir, waitFor } from '@mmsd/core/testing';
import { fileHelpers, RetryingFileWriter } from '@mmsd/core/testing';
import type { FileHelpers } from '@mmsd/core';
import type { BackoffOptions } from '@mmsd/core/testing';

/** Core's helpers, with retries a few milliseconds apart. */
export const fileHelpersForTests: FileHelpers = { ...fileHelpers, retrying: (options) => new RetryingFileWriter(fileHelpersForTests, { ...options, backoff: { min: 5, max: 40 } }) };

/** An fs error as Node makes them: `code`, `syscall`, `path`. */
export function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected failure, ${syscall} '${path}'`), { code, syscall, path });
}

/**
 * Core's helpers whose writes and removals fail with `failWith(code)` (all of them, or those
 * of paths `only` accepts) until `heal()`; retries are a few milliseconds apart (or `backoff`).
 */
export function flakyFiles(backoff: BackoffOptions = { min: 5, max: 40 }) {
  let failure: { code: string; only: (path: string) => boolean } | undefined;
  const failed: string[] = [];
  const check = (syscall: string, path: string): void => {
    if (!failure || !failure.only(path)) return;
    failed.push(path);
    throw fsError(failure.code, syscall, path);
  };
  const files: FileHelpers = {
    ...fileHelpers,
    write: async (path, content, options) => {
      check('open', path);
      return fileHelpers.write(path, content, options);
    },
    remove: async (path) => {
      check('unlink', path);
      return fileHelpers.remove(path);
    },
    retrying: (options) => new RetryingFileWriter(files, { ...options, backoff }),
  };
  return {
    files,
    /** Paths whose write or removal failed so far. */
    failed,
    failWith(code: string, only: (path: string) => boolean = () => true) {
      failure = { code, only };
    },
    heal() {
      failure = undefined;
    },
  };
}
