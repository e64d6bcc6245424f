// PLACEHOLDER: the `demo` run kind trains nothing. It sleeps through `steps` steps and reports a toy loss curve
// so that the queue, progress, metrics and UI plumbing are exercised end to end. Real kinds (pretrain, sft, ...)
// arrive as sibling files that call packages/engine.
import { METRICS } from "@rlhf/shared";
import type { RunHandler } from "./types";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A decaying curve that looks like a loss: 2.5 at step 0 towards 0.3. */
export const toyLoss = (step: number, totalSteps: number) => 0.3 + 2.2 * Math.exp((-4 * step) / totalSteps);

export const demoHandler: RunHandler<"demo"> = {
  async run(config, report) {
    for (let step = 1; step <= config.steps; step++) {
      await sleep(config.stepMs);
      if (step === config.failAtStep)
        throw new Error(`demo run failed on purpose at step ${step} (failAtStep)`);
      report.metrics(step, { [METRICS.trainLoss]: toyLoss(step, config.steps) });
      report.progress(step, config.steps);
    }
  },
};
