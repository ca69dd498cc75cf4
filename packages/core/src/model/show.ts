// How a value from Marathon appears in a log line or a reason: quoted, escaped, shortened.
const MAX_SHOWN = 60;

/** JSON quoting, with the two line separators JSON leaves raw escaped too. */
export function quote(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** The value as it may appear in a log line: quoted, control characters escaped, shortened. */
export function showValue(value: string): string {
  const shown = quote(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
  return value.length > MAX_SHOWN ? `${shown} (${value.length} characters)` : shown;
}

