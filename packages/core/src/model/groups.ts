import picomatch from 'picomatch';

/**
 * Decides which services an agent exposes from its `groups` globs and a service's `lb-group`
 * names: `*` exposes everything, even services without the label; otherwise a service is
 * exposed when one of its groups matches one of the globs.
 */
export type GroupMatcher = (groups: readonly string[]) => boolean;

export function createGroupMatcher(globs: readonly string[]): GroupMatcher {
  const patterns = globs.map((g) => g.trim()).filter((g) => g.length > 0);
  if (patterns.length === 0 || patterns.includes('*')) return () => true;
  const isMatch = picomatch(patterns, { dot: true, nonegate: true });
  return (groups) => groups.some((group) => isMatch(group));
}
