import { randomUUID } from 'node:crypto';

/** `/developer/trapni/php` → `developer_trapni_php` (Marathon's "safe path"). */
export function safePath(appId: string): string {
  return appId.replace(/^\/+/, '').replaceAll('/', '_');
}

/** Marathon 1.8+ ids: instance `<safe>.instance-<uuid>`, task `<instance>._app.<incarnation>`. */
export function newInstanceId(appId: string): string {
  return `${safePath(appId)}.instance-${randomUUID()}`;
}

export function taskIdOf(instanceId: string, incarnation = 1): string {
  return `${instanceId}._app.${incarnation}`;
}

export function instanceIdOfTask(taskId: string): string {
  const m = /^(.+\.instance-[^.]+)\./.exec(taskId);
  if (m) return m[1]!;
  const legacy = /^(.+)[._]([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(taskId);
  return legacy ? `${legacy[1]}.marathon-${legacy[2]}` : taskId;
}

/** Marathon's timestamp format: UTC, milliseconds, `Z`. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString();
}

export function newId(): string {
  return randomUUID();
}
