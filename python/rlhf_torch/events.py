"""What a run tells its launcher: one JSON object per stdout line, printed by rank 0 only.

  {"type": "metrics", "step": N, "metrics": {"train/loss": ..., ...}}   also appended to <workDir>/metrics.jsonl
  {"type": "progress", "step": N, "totalSteps": M}
  {"type": "log", "level": "info" | "warn" | "error", "message": "..."}
  {"type": "result", "status": "completed" | "cancelled", "step", "totalSteps", "finalCheckpoint", "bestCheckpoint",
   "lastEval"}
Anything else on stdout (a library's print) is not JSON and the launcher passes it on as a log line."""

from __future__ import annotations

import json
import math
import os
import sys

# The worker's exit status after a cancellation (SIGTERM/SIGINT) that ended in a checkpoint: resumable, not failed.
CANCELLED_EXIT_CODE = 75


class Events:
    def __init__(self, work_dir: str, is_main: bool) -> None:
        self.is_main = is_main
        self.metrics_path = os.path.join(work_dir, "metrics.jsonl")

    def _emit(self, record: dict) -> None:
        if self.is_main:
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()

    def truncate_after(self, step: int) -> None:
        """On resume, drops metrics of steps after the checkpoint: they are about to be logged again."""
        if not self.is_main or not os.path.exists(self.metrics_path):
            return
        with open(self.metrics_path) as f:
            kept = [line for line in f if line.strip() and json.loads(line)["step"] <= step]
        with open(self.metrics_path, "w") as f:
            f.writelines(kept)

    def metrics(self, step: int, record: dict[str, float]) -> None:
        clean = {k: float(v) for k, v in record.items() if v is not None and math.isfinite(float(v))}
        if not self.is_main:
            return
        with open(self.metrics_path, "a") as f:
            f.write(json.dumps({"step": step, **clean}) + "\n")
        self._emit({"type": "metrics", "step": step, "metrics": clean})

    def progress(self, step: int, total: int) -> None:
        self._emit({"type": "progress", "step": step, "totalSteps": total})

    def log(self, message: str, level: str = "info") -> None:
        self._emit({"type": "log", "level": level, "message": message})

    def result(self, **fields) -> None:
        self._emit({"type": "result", **fields})
