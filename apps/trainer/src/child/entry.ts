// Child process entry: runs one handler and reports over IPC. Exits when the trainer goes away (the IPC channel
// disconnects, e.g. the trainer was SIGKILLed), so an orphan never keeps training a run that another trainer retries.
import { runHandler } from "../handlers";
import type { ChildMessage, StartMessage } from "./messages";

const send = (message: ChildMessage) => process.send?.(message);

process.on("disconnect", () => process.exit(1));

process.once("message", async (message: StartMessage) => {
  try {
    await runHandler(message.kind, message.config, {
      progress: (step, totalSteps) => send({ type: "progress", step, totalSteps }),
      metrics: (step, values) => send({ type: "metrics", step, values }),
    });
    send({ type: "done" });
  } catch (error) {
    send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
  process.disconnect();
});
