/**
 * Marathon 1.9+ writes REST bodies with Jackson: a double that is a whole number keeps its
 * `.0` (`"mem":128.0`). Event payloads are still Play-JSON (`"mem":128`), i.e. JSON.stringify.
 * (docs/marathon-api.md#rest.)
 */
const DOUBLES = new Set(['cpus', 'mem', 'disk', 'backoffFactor', 'maximumOverCapacity', 'minimumHealthCapacity']);

function number(value: number, key: string | undefined, jackson: boolean): string {
  if (!Number.isFinite(value)) return 'null';
  if (jackson && key !== undefined && DOUBLES.has(key) && Number.isInteger(value)) return `${value}.0`;
  return JSON.stringify(value);
}

function write(value: unknown, key: string | undefined, jackson: boolean): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return number(value, key, jackson);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : write(v, key, jackson))).join(',')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function') continue;
        parts.push(`${JSON.stringify(k)}:${write(v, k, jackson)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return 'null';
  }
}

/** Compact JSON as Marathon 1.10's REST API writes it. */
export function restJson(value: unknown, numbers: 'jackson' | 'play' = 'jackson'): string {
  return write(value, undefined, numbers === 'jackson');
}

/** Compact JSON as Marathon writes event payloads. */
export function eventJson(value: unknown): string {
  return JSON.stringify(value);
}
