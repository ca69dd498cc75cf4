import type { HealthReport } from '@mmsd/core/host';

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** `mmsd status` as text: what an operator looks at first, first. */
export function formatStatus(r: HealthReport, where: string): string {
  const lines: string[] = [];
  lines.push(`mmsd ${r.version} at ${where}: ${r.status.toUpperCase()}, up ${duration(r.uptime)}`);
  for (const reason of r.reasons) lines.push(`  ! ${reason}`);
  const stream = r.marathon.mode === 'poll' ? 'polling' : r.marathon.streamConnected ? 'event stream connected' : 'event stream not connected';
  const age = r.stateAge === null ? 'not confirmed by Marathon yet' : `confirmed ${duration(r.stateAge)} ago`;
  lines.push(`state:     ${age}; last full sync ${r.syncedAt ?? 'never'}; Marathon ${r.marathon.endpoint || '(none)'}, ${stream}`);
  lines.push(`services:  ${r.services} exposed, ${r.excluded.length} excluded; backends ${r.backends.up} of ${r.backends.total} up`);
  for (const e of r.excluded.slice(0, 20)) lines.push(`  excluded ${e.name}: ${e.reason}`);
  if (r.excluded.length > 20) lines.push(`  … and ${r.excluded.length - 20} more (mmsd status --json)`);
  lines.push(`handlers:  ${r.handlers.length === 0 ? '(none)' : ''}`.trimEnd());
  for (const h of r.handlers) lines.push(`  ${h.plugin}: ${h.state} since ${h.since}${h.reason ? ` — ${h.reason}` : ''}`);
  if (r.lastProblems.length > 0) {
    lines.push('last problems:');
    for (const p of r.lastProblems.slice(-10)) lines.push(`  ${p.at} ${p.level} ${p.component}: ${p.message}`);
  }
  return `${lines.join('\n')}\n`;
}
