import { join } from "node:path";
import { exportTransformersJs } from "@rlhf/engine";
import type { RunReporter } from "./types";

/**
 * Writes the transformers.js export (onnx/model.onnx with Hugging Face's past_key_values names) beside the run's
 * checkpoints. Returns its folder, or null (logged) when the model cannot be exported (a reward model has no LM
 * head to decode with): an export problem must not fail a finished training run.
 */
export function exportForBrowsers(
  checkpointDir: string,
  workDir: string,
  report: RunReporter,
): string | null {
  const outDir = join(workDir, "transformers-js");
  try {
    exportTransformersJs(checkpointDir, outDir);
    return outDir;
  } catch (error) {
    report.log(`transformers.js export skipped: ${(error as Error).message}`, "warn");
    return null;
  }
}
