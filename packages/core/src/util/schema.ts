import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';

/** An Ajv for our own schemas and plugins' option schemas: defaults filled in, all errors. */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, verbose: true });
}

/** `/marathon/resyncInterval` → `marathon.resyncInterval`; `/plugins/2` → `plugins[2]`. */
function keyPath(instancePath: string, property?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (property !== undefined) parts.push(property);
  let out = '';
  for (const part of parts) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out ? `.${key}` : key;
  }
  return out;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}

function suggestion(unknown: string, known: readonly string[]): string {
  const best = known
    .map((k) => ({ k, d: distance(unknown.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(unknown.length / 3)) ? ` (did you mean "${best.k}"?)` : '';
}

/** One readable line per schema error, naming the key: `marathon.timeout must be number`. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined, schema: unknown, prefix = ''): string[] {
  const lines: string[] = [];
  for (const error of errors ?? []) {
    const at = (path: string) => (prefix && path ? `${prefix}.${path}` : prefix || path);
    if (error.keyword === 'additionalProperties') {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      lines.push(`unknown key "${at(keyPath(error.instancePath, extra))}"${suggestion(extra, known)}`);
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      lines.push(`${at(keyPath(error.instancePath)) || 'value'} must be one of ${allowed}`);
    } else if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      // The branches' own errors say more; skip the summary line.
      continue;
    } else {
      lines.push(`${at(keyPath(error.instancePath)) || 'value'} ${error.message ?? 'is invalid'}`);
    }
  }
  void schema;
  return [...new Set(lines)];
}

