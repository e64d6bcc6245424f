// Worker bootstrap: the engine ships as TypeScript, so register tsx in this thread before loading the entry.
import { register } from "tsx/esm/api";

register();
await import("./pretrainWorkerEntry.ts");
