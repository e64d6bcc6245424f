import { isTerminalStatus, type RunStatus } from "@rlhf/shared";

/** Poll every second while any shown run can still change; stop once all are finished. */
export const pollWhileActive = (statuses: RunStatus[] | undefined) =>
  statuses && statuses.every(isTerminalStatus) ? false : 1000;
