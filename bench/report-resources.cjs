// Preloaded into a benchmarked mmsd process: on exit, prints its peak RSS and CPU time.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\nMMSD_BENCH ${JSON.stringify({ maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 })}\n`,
  );
});
