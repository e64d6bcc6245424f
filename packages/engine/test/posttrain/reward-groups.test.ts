import { describe, expect, it } from "vitest";
import { OptimizerConfigSchema } from "../../src/config/pretrain.js";
import { RewardConfigSchema } from "../../src/config/reward.js";
import { initScoreHead, loadBaseModel, scoreHeadSpec } from "../../src/posttrain/model.js";
import { PolicyStepRunner } from "../../src/posttrain/policy-step.js";
import {
  type RewardGroup,
  groupShape,
  rewardFeeds,
  rewardGroups,
  rewardLossGraph,
} from "../../src/posttrain/reward-model.js";
import { rankings } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, tinyBaseCheckpoint } from "./helpers.js";

describe("reward model on k-wise rankings", () => {
  it("scores each answer once and gives the loss of encoding every pair's two answers, with fewer rows", async () => {
    const base = loadBaseModel(tinyBaseCheckpoint(tempDir("reward-groups")));
    const seqLen = base.model.contextLength;
    const cfg = RewardConfigSchema.parse({ baseCheckpoint: "-", data: { train: "-" }, marginPerRank: 0.5 });
    const groups = rewardGroups(rankings(new Rng(3), 4), cfg, base.tokenizer);
    const perPair: RewardGroup[] = groups.flatMap((g) =>
      g.pairs.map((p) => ({
        responses: [g.responses[p.chosen], g.responses[p.rejected]],
        pairs: [{ ...p, chosen: 0, rejected: 1 }],
      })),
    );
    const answers = groups.reduce((s, g) => s + g.responses.length, 0);
    expect(answers).toBeLessThan(2 * perPair.length); // rankings of 3 or 4 share answers between pairs
    expect(groupShape(groups).responses).toBeGreaterThan(2); // and shorter rankings are filled in
    const evaluate = async (batch: RewardGroup[]) => {
      const shape = groupShape(batch);
      const runner = await PolicyStepRunner.create({
        model: base.model,
        extraParams: [scoreHeadSpec(base.model)],
        optimizer: OptimizerConfigSchema.parse({}),
        buildLoss: (rows) => rewardLossGraph(base, rows, shape, seqLen, 0.01),
        rows: batch.length,
        microBatches: 1,
      });
      try {
        const state = runner.state({ ...base.weights, ...initScoreHead(base.model, new Rng(1)) });
        return await runner.evaluate(state, rewardFeeds(batch, shape, seqLen, 0), batch.length);
      } finally {
        await runner.release();
      }
    };
    const once = await evaluate(groups);
    const twice = await evaluate(perPair);
    expect(once.loss).toBeCloseTo(twice.loss, 5);
    for (const m of ["accuracy", "margin"]) expect(once.metrics[m]).toBeCloseTo(twice.metrics[m], 5);
  });
});
