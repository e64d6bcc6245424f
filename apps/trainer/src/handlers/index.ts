import { runConfigSchemas, type RunConfig, type RunKind } from "@rlhf/shared";
import { demoHandler } from "./demo";
import type { RunHandler, RunReporter } from "./types";

/** One handler per run kind; the type makes a new RunKind without a handler a compile error. */
export const HANDLERS: { [K in RunKind]: RunHandler<K> } = {
  demo: demoHandler,
};

/** Validates `config` against the kind's schema (defaults filled) and runs the kind's handler. */
export async function runHandler<K extends RunKind>(
  kind: K,
  config: unknown,
  report: RunReporter,
): Promise<void> {
  const handler: RunHandler<K> = HANDLERS[kind];
  return handler.run(runConfigSchemas[kind].parse(config) as RunConfig<K>, report);
}
