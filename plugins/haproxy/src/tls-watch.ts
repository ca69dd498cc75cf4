import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { statSync } from 'node:fs';

/**
 * Calls `changed` when a certificate of `tls.certs` changes on disk (a directory is watched for
 * its files; a file through its directory, since tools replace certificates by renaming a new
 * file over them). Events of one replacement come in a burst: they are collected for 100 ms.
 * Returns a function that stops watching.
 */
export function watchCertificates(paths: readonly string[], changed: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      changed();
    }, 100);
    timer.unref();
  };
  const dirs = new Set(paths.map((p) => (statSync(p, { throwIfNoEntry: false })?.isDirectory() ? p : dirname(p))));
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, fire);
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // A directory that does not exist (yet): its certificate is reported unusable by the view.
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
