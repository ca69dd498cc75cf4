import { quote } from './show.js';
import { isAppId } from './validate.js';

/** `/developer/trapni/php` → `developer.trapni.php` (the service name of port index 0). */
export function serviceBaseName(appId: string): string {
  return appId.replace(/^\/+/, '').replaceAll('/', '.');
}

/**
 * Index 0 keeps the base name, index i > 0 gets `_<i>` (`_` never occurs in Marathon ids). An
 * id outside Marathon's grammar (its app is not exposed) is named by its JSON-quoted self, which
 * no valid name can equal: a bad app can never take a good one's name.
 */
export function serviceName(appId: string, portIndex: number): string {
  const base = isAppId(appId) ? serviceBaseName(appId) : quote(appId);
  return portIndex === 0 ? base : `${base}_${portIndex}`;
}

const INSTANCE_1_8 = /^(.+\.instance-[^.]+)\.[^.]+(?:\.\d+)?$/;
const UUID_TASK = /^(.+)[._]([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The instance id Marathon 1.4+ uses in health events for a task id (docs/marathon-api.md#instance-ids):
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

const MODERN_INSTANCE = /\.instance-[^.]+$/;
const LEGACY_INSTANCE = /^(.+)\.marathon-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The task ids an app's instance id most likely has (instanceIdOf of each is `instanceId`):
 * looked up before scanning all the app's tasks, so that a health event of an app with
 * thousands of instances costs a few lookups. The first incarnations of a 1.8+ instance, the
 * two separators of a 1.4–1.7 one.
 */
export function likelyTaskIds(instanceId: string): string[] {
  if (MODERN_INSTANCE.test(instanceId)) return [`${instanceId}._app.1`, `${instanceId}._app.2`, `${instanceId}._app.3`];
  const legacy = LEGACY_INSTANCE.exec(instanceId);
  return legacy ? [`${legacy[1]}.${legacy[2]}`, `${legacy[1]}_${legacy[2]}`] : [];
}
