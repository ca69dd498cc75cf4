/**
 * Coded errors, semantic-release style: every error a user can cause carries a stable code,
 * a message that names the thing at fault, and a hint that says how to fix it. The catalogue
 * below is every code and the exit status of a command it ends: 2, the input is wrong (the
 * config, a plugin, its options), fix it and run again; 3, `mmsd status` could not ask the
 * agent; 1, anything else.
 */
export const ERROR_EXIT_STATUS = {
  EMMSD_CONFIG_NOT_FOUND: 2,
  EMMSD_CONFIG_PARSE: 2,
  EMMSD_CONFIG_INVALID: 2,
  EMMSD_PLUGIN_ENTRY_INVALID: 2,
  EMMSD_PLUGIN_NOT_FOUND: 2,
  EMMSD_PLUGIN_LOAD_FAILED: 2,
  EMMSD_PLUGIN_INVALID: 2,
  EMMSD_PLUGIN_OPTIONS_INVALID: 2,
  EMMSD_PLUGIN_DUPLICATE: 2,
  EMMSD_PLUGIN_INCOMPATIBLE: 2,
  EMMSD_PLUGIN_APPLY_FAILED: 2,
  EMMSD_HOOK_FAILED: 1,
  EMMSD_HOOK_TIMEOUT: 1,
  EMMSD_MARATHON_UNAVAILABLE: 1,
  EMMSD_MARATHON_BAD_RESPONSE: 1,
  EMMSD_STATE_FILE: 1,
  EMMSD_RUNTIME_DIR: 1,
  EMMSD_STATUS_UNAVAILABLE: 3,
} as const;

export type MmsdErrorCode = keyof typeof ERROR_EXIT_STATUS;

export interface MmsdErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class MmsdError extends Error {
  readonly code: MmsdErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: MmsdErrorCode, message: string, options: MmsdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MmsdError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** Message, hint and code on separate lines, as printed to operators. */
  format(): string {
    const lines = [`${this.message} (${this.code})`];
    if (this.hint) lines.push(`Hint: ${this.hint}`);
    return lines.join('\n');
  }
}

/** Duck-typed: errors may come from another copy of @mmsd/core (plugins installed elsewhere). */
export function isMmsdError(error: unknown): error is MmsdError {
  return (
    error instanceof Error &&
    typeof (error as unknown as { code?: unknown }).code === 'string' &&
    (error as unknown as { code: string }).code.startsWith('EMMSD_')
  );
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The message of an error and of every cause below it, joined: "a: b: c". */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const message = errorMessage(current);
    if (!parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
