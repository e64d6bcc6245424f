/** Per-stage counts, per reason and per source: the numbers the data card is made of. */
import type { StageResult } from "./types.js";

export interface Counts {
  in: number;
  out: number;
  dropped: Record<string, number>;
  changed: Record<string, number>;
}

export interface StageCounts extends Counts {
  stage: string;
  bySource: Record<string, Counts>;
}

const emptyCounts = (): Counts => ({ in: 0, out: 0, dropped: {}, changed: {} });

function add(c: Counts, r: StageResult): void {
  c.in++;
  if (r.drop) c.dropped[r.drop] = (c.dropped[r.drop] ?? 0) + 1;
  else c.out++;
  for (const reason of r.changes ?? []) c.changed[reason] = (c.changed[reason] ?? 0) + 1;
}

export class StageStats {
  private readonly stages = new Map<string, StageCounts>();

  constructor(stageNames: string[]) {
    for (const stage of stageNames) this.stages.set(stage, { stage, ...emptyCounts(), bySource: {} });
  }

  record(stage: string, source: string, result: StageResult): void {
    const s = this.stages.get(stage)!;
    add(s, result);
    add((s.bySource[source] ??= emptyCounts()), result);
  }

  toJSON(): StageCounts[] {
    return [...this.stages.values()];
  }
}
