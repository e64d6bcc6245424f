import { writeRunData } from "@rlhf/db/runs";
import type { RunKind } from "@rlhf/shared";
import type { RunReporter } from "./types";

/**
 * The `data` section of a post-training job: the snapshot's split by prompt (packages/db), so the engine's
 * validation set is the one the automatic evaluation scores. Without held-out prompts the job runs without
 * evaluation rather than carving a second, different split.
 */
export function postTrainData(snapshotDir: string, kind: RunKind, workDir: string, report: RunReporter) {
  const files = writeRunData(snapshotDir, kind, workDir);
  report.log(`data: ${files.trainCount} training and ${files.validationCount} validation records`);
  return files.validation
    ? { train: files.train, validation: files.validation }
    : { train: files.train, validationFraction: 0 };
}

/** The base checkpoint every post-training kind starts from; validateRunInputs guarantees it for these kinds. */
export function baseCheckpoint(baseDir: string | null, kind: RunKind): string {
  if (!baseDir) throw new Error(`a ${kind} run needs a base model version`);
  return baseDir;
}
