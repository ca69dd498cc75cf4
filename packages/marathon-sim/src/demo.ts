import type { MarathonSimulator } from './simulator.js';

export interface DemoOptions {
  /** Milliseconds between actions (default 4000). */
  interval?: number;
  random?: () => number;
  onAction?: (description: string) => void;
}

/**
 * Keeps a simulated cluster moving, so that a demo has something to show: every `interval`
 * it kills and replaces a task, flips a health check, or scales an app up or down.
 * Returns a function that stops it.
 */
export function startDemo(sim: MarathonSimulator, options: DemoOptions = {}): () => void {
  const random = options.random ?? Math.random;
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  let busy = false;
  const act = async (): Promise<void> => {
    const running = sim.tasks().filter((t) => t.state === 'TASK_RUNNING');
    const roll = random();
    if (roll < 0.35) {
      const task = pick(running);
      if (!task) return;
      options.onAction?.(`kill ${task.id} (Marathon replaces it)`);
      await sim.killTask(task.id);
    } else if (roll < 0.7) {
      const checked = running.filter((t) => Array.isArray(t.healthCheckResults) && t.healthCheckResults.length > 0);
      const task = pick(checked);
      if (!task) return;
      const alive = !(task.healthCheckResults as { alive?: boolean }[]).every((r) => r?.alive);
      options.onAction?.(`health of ${task.id} → ${alive ? 'alive' : 'failing'}`);
      await sim.setHealth(task.id, alive);
    } else {
      const id = pick(sim.appIds());
      if (!id) return;
      const app = sim.app(id)!;
      const instances = Number(app.instances ?? 0);
      const next = instances <= 1 ? instances + 1 : random() < 0.5 ? instances - 1 : instances + 1;
      options.onAction?.(`scale ${id} ${instances} → ${next}`);
      await sim.scaleApp(id, Math.min(next, 4));
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    act()
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, options.interval ?? 4000);
  timer.unref();
  return () => clearInterval(timer);
}
