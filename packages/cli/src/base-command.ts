import { Command } from '@oclif/core';
import { describeError, isMmsdError } from '@mmsd/core';

/** Shared error handling: coded errors print their message and hint, and exit 2 (bad input) or 1. */
export abstract class BaseCommand extends Command {
  protected fail(error: unknown): never {
    if (isMmsdError(error)) {
      const input = /CONFIG|PLUGIN_(NOT_FOUND|INVALID|OPTIONS|ENTRY|DUPLICATE)/.test(error.code);
      this.error(error.message, {
        code: error.code,
        exit: input ? 2 : 1,
        ...(error.hint ? { suggestions: [error.hint] } : {}),
      });
    }
    this.error(describeError(error), { exit: 1 });
  }
}
