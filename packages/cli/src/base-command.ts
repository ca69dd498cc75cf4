import { Command } from '@oclif/core';
import { describeError, isMmsdError } from '@mmsd/core';

/**
 * Shared error handling: an error is printed on one line (not wrapped, so logs stay greppable)
 * with its hint and code; exit status 2 for bad input (config, plugins), 1 for the rest.
 */
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
    process.stderr.write(`${lines.join('\n')}\n`);
    this.exit(exit);
  }
}
