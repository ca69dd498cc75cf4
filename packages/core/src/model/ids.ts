/** `/developer/trapni/php` → `developer.trapni.php` (the service name of port index 0). */
export function serviceBaseName(appId: string): string {
  return appId.replace(/^\/+/, '').replaceAll('/', '.');
}

/** DESIGN §2: index 0 keeps the base name, index i > 0 gets `_<i>` (`_` never occurs in Marathon ids). */
export function serviceName(appId: string, portIndex: number): string {
  const base = serviceBaseName(appId);
  return portIndex === 0 ? base : `${base}_${portIndex}`;
}

const INSTANCE_1_8 = /^(.+\.instance-[^.]+)\.[^.]+(?:\.\d+)?$/;
const UUID_TASK = /^(.+)[._]([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The instance id Marathon 1.4+ uses in health events for a task id (marathon-api.md §5.3):
 * `<app>.instance-<uuid>._app.1` → `<app>.instance-<uuid>` (1.8+), `<app>.<uuid>` →
 * `<app>.marathon-<uuid>` (1.4–1.7). Unknown shapes map to themselves.
 */
export function instanceIdOf(taskId: string): string {
  const modern = INSTANCE_1_8.exec(taskId);
  if (modern) return modern[1]!;
  const legacy = UUID_TASK.exec(taskId);
  if (legacy) return `${legacy[1]}.marathon-${legacy[2]}`;
  return taskId;
}
