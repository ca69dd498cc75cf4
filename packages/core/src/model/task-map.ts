// Immutable's ES module build (see state/store.ts).
import { OrderedMap } from 'immutable/dist/immutable.es.js';
import type { Task } from './types.js';

export const PERSISTENT_FROM = 64;

/**
 * An app's tasks with one task set or removed, the given map unchanged. A small app's tasks
 * stay a plain Map, copied (a copy of a few dozen entries costs less than a persistent map's
 * path copy, and takes less memory across 10,000 apps); from PERSISTENT_FROM tasks on they
 * become a persistent ordered map, so a task event of an app with thousands of instances
 * costs O(log n), not a copy of them all (bench `model`, 1 app × 1,000 / 10,000 tasks). The
 * order stays a Map's: insertion order, a replaced task keeping its place.
 */
export function withTask(tasks: ReadonlyMap<string, Task>, id: string, task: Task | undefined): ReadonlyMap<string, Task> {
  if (OrderedMap.isOrderedMap(tasks)) return asReadonly(task ? persistent(tasks).set(id, task) : persistent(tasks).delete(id));
  if (tasks.size < PERSISTENT_FROM) {
    const copy = new Map(tasks);
    if (task) copy.set(id, task);
    else copy.delete(id);
    return copy;
  }
  const converted = OrderedMap<string, Task>(tasks as Map<string, Task>);
  return asReadonly(task ? converted.set(id, task) : converted.delete(id));
}

// Immutable's maps implement the ReadonlyMap reading API (get, has, size, keys, values,
// entries, forEach, iteration), as the snapshot's maps do.
function asReadonly(map: OrderedMap<string, Task>): ReadonlyMap<string, Task> {
  return map as unknown as ReadonlyMap<string, Task>;
}

function persistent(tasks: ReadonlyMap<string, Task>): OrderedMap<string, Task> {
  return tasks as unknown as OrderedMap<string, Task>;
}
