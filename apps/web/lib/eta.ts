/**
 * Seconds left in a run at the pace of its current attempt (steps done since the attempt started, from the
 * step it resumed at), or null while there is no pace to go by. `startedAt` is the current attempt's start.
 */
export function etaSeconds(run: {
  startedAt: Date | null;
  step: number;
  totalSteps: number | null;
  resumedFromStep: number | null;
  now: Date;
}): number | null {
  const { startedAt, step, totalSteps, now } = run;
  const done = step - (run.resumedFromStep ?? 0);
  if (!startedAt || !totalSteps || done <= 0) return null;
  const elapsed = (now.getTime() - startedAt.getTime()) / 1000;
  if (elapsed <= 0) return null;
  return Math.max(0, ((totalSteps - step) * elapsed) / done);
}

/** 75 -> "1 min 15 s"; 3725 -> "1 h 2 min". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
