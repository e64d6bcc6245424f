import type { RunKind } from "@rlhf/shared";

/** Parent -> child: the one message that starts the work. */
export interface StartMessage {
  type: "start";
  kind: RunKind;
  config: unknown;
}

/** Child -> parent. */
export type ChildMessage =
  | { type: "progress"; step: number; totalSteps: number }
  | { type: "metrics"; step: number; values: Record<string, number> }
  | { type: "done" }
  | { type: "error"; message: string };
