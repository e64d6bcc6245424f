// Child process entry: runs one task (a training job or an evaluation) and reports over IPC. Exits when the
// trainer goes away (the IPC channel disconnects, e.g. the trainer was SIGKILLed), so an orphan never keeps
// training a run that another trainer retries.
import { evaluateModel } from "../evaluation/evaluate";
import { runTraining } from "../handlers";
import type { ChildMessage, ParentMessage } from "./messages";

const send = (message: ChildMessage) => process.send?.(message);
const abort = new AbortController();

process.on("disconnect", () => process.exit(1));

process.on("message", async (message: ParentMessage) => {
  if (message.type === "cancel") {
    abort.abort();
    return;
  }
  const report = {
    progress: (step: number, totalSteps: number) => send({ type: "progress", step, totalSteps }),
    metrics: (step: number, values: Record<string, number>) => send({ type: "metrics", step, values }),
    log: (message: string, level: "info" | "warn" | "error" = "info") =>
      send({ type: "log", level, message }),
  };
  try {
    const { task } = message;
    const result =
      task.type === "train"
        ? await runTraining(task, { signal: abort.signal, report })
        : await evaluateModel(task, report);
    send({ type: "done", result });
  } catch (error) {
    send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
  process.disconnect();
});
