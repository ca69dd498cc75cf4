import { Command } from '@oclif/core';
import { describeError, isMmsdError } from '@mmsd/core';

/**
 * An error as mmsd prints it: one line each (not wrapped, so logs stay greppable) for the
 * message, its hint and code; exit status 2 for bad input (config, plugins), 1 for the rest.
 */
export function formatError(error: unknown): { text: string; exit: number } {
  const lines: string[] = [];
  let exit = 1;
  if (isMmsdError(error)) {
    lines.push(`Error: ${error.message}`);
    if (error.hint) lines.push(`Hint: ${error.hint}`);
    lines.push(`Code: ${error.code}`);
    if (/CONFIG|PLUGIN_(NOT_FOUND|INVALID|OPTIONS|ENTRY|DUPLICATE|LOAD|APPLY)/.test(error.code)) exit = 2;
  } else {
    lines.push(`Error: ${describeError(error)}`);
  }
  return { text: `${lines.join('\n')}\n`, exit };
}

/** Shared error handling (formatError) and the end of one-shot commands. */
export abstract class BaseCommand extends Command {
  /**
   * Ends a one-shot command once stdout and stderr are flushed. Without it, idle keep-alive
   * connections to Marathon would keep the process alive for seconds after its work is done.
   */
  protected async done(): Promise<void> {
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
    setTimeout(() => process.exit(process.exitCode ?? 0), 0).unref();
  }

  protected fail(error: unknown): never {
    const { text, exit } = formatError(error);
    process.stderr.write(text);
    this.exit(exit);
  }
}
