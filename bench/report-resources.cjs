// Preloaded into a benchmarked mmsd process: on exit, prints its peak RSS and CPU time.
// The peak is VmHWM of /proc/self/status where there is one: getrusage's maxrss survives
// fork and exec, so it would report the (larger) bench process that spawned this one.
const { readFileSync } = require('node:fs');

function peakRssMb() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nMMSD_BENCH ${JSON.stringify({ maxRssMb: peakRssMb(), cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 })}\n`);
});
