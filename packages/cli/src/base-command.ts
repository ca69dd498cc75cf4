import { Command } from '@oclif/core';
import { describeError, ERROR_EXIT_STATUS, isMmsdError } from '@mmsd/core/host';
import type { SharedInput } from './flags.js';
import { sharedFlags } from './flags.js';
import type { Prepared, PrepareOptions } from './setup.js';
import { prepare } from './setup.js';

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
    exit = (ERROR_EXIT_STATUS as Record<string, number>)[error.code] ?? 1;
  } else {
    lines.push(`Error: ${describeError(error)}`);
  }
  return { text: `${lines.join('\n')}\n`, exit };
}

/**
 * The lifecycle every command shares (oclif's): `prepare` loads the config and plugins (and
 * starts the embedded simulator when no Marathon is given); an error a command throws is
 * printed by `catch` as formatError says, with its exit status; `finally` closes what was
 * prepared, whatever happened. Commands only do their own work; they get the shared flags
 * (`baseFlags`) and declare only their own.
 */
export abstract class BaseCommand extends Command {
  /** The flags every command has (Marathon, groups, config, log level, the handler shortcuts). */
  static override baseFlags = sharedFlags;

  /** What this command prepared; closed in `finally`. */
  protected prepared: Prepared | undefined;

  protected async prepare(input: SharedInput, options: PrepareOptions): Promise<Prepared> {
    this.prepared = await prepare(this.config, input, options);
    return this.prepared;
  }

  /** Closes what was prepared (the embedded simulator); again in `finally` it does nothing. */
  protected async release(): Promise<void> {
    const prepared = this.prepared;
    this.prepared = undefined;
    await prepared?.embedded?.close();
  }

  /**
   * Ends a one-shot command once what it prepared is closed and stdout and stderr are flushed.
   * Without it, idle keep-alive connections to Marathon would keep the process alive for
   * seconds after its work is done.
   */
  protected async done(): Promise<void> {
    await this.release();
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
    setTimeout(() => process.exit(process.exitCode ?? 0), 0).unref();
  }

  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    // this.exit() and oclif's own errors (an unknown flag, …) carry their exit status already.
    if (error.oclif?.exit !== undefined) throw error;
    const { text, exit } = formatError(error);
    process.stderr.write(text);
    this.exit(exit);
  }

  override async finally(error: Error | undefined): Promise<unknown> {
    await this.release().catch(() => {});
    return super.finally(error);
  }
}
