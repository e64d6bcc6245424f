import type { RunStatus } from "@rlhf/shared";

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="run-status">
      {status}
    </span>
  );
}
