/**
 * How every action writes a length of time for people (logs, errors, job summaries): under a
 * second in milliseconds, under a minute in seconds with at most one decimal, then in minutes and
 * whole seconds. Pure and dependency-free.
 */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) {
    // 59.96 s rounds to 60.0: that is a minute.
    const rounded = Number(seconds.toFixed(1));
    if (rounded < 60) return `${rounded} s`;
  }
  const minutes = Math.floor(Math.round(seconds) / 60);
  const rest = Math.round(seconds) - minutes * 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
