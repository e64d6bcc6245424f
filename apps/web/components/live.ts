import { isTerminalStatus, type RunStatus } from "@rlhf/shared";

/**
 * The runs list refreshes every few seconds while any shown run can still change, and stops once all are
 * finished; a run's own page is pushed live (training.live) instead.
 */
export const pollWhileActive = (statuses: RunStatus[] | undefined) =>
  statuses && statuses.every(isTerminalStatus) ? false : 3000;
