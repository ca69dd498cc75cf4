const ROOT_FLAGS = new Set(['--help', '-h', '--version', '-v']);

/**
 * The seed's usage: `mmsd [options]` without a command is `mmsd run [options]`. Only when the
 * first argument is an option (or there is none) is `run` put in front; `mmsd --help` and
 * `mmsd --version` stay what they are.
 */
export function withDefaultCommand(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first === undefined) return ['run'];
  if (first.startsWith('-') && !ROOT_FLAGS.has(first)) return ['run', ...argv];
  return [...argv];
}
