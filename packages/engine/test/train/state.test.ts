import { describe, expect, it } from "vitest";
import { initialTrainerState, parseTrainerState } from "../../src/train/state.js";
import { Rng } from "../../src/util/rng.js";

describe("TrainerState", () => {
  it("round-trips through JSON and restores the RNG exactly", () => {
    const rng = new Rng(42);
    rng.next();
    const state = {
      ...initialTrainerState({ seed: 42, rng: rng.state() }),
      step: 12,
      lossHistory: [{ step: 11, loss: 3.25 }],
    };
    const back = parseTrainerState(JSON.parse(JSON.stringify(state)));
    expect(back).toEqual(state);
    expect(Rng.fromState(back.rng).next()).toBe(rng.next());
  });

  it("fills fields added after version 1 was first written", () => {
    const {
      evalHistory: _e,
      skippedSteps: _s,
      ...older
    } = initialTrainerState({ seed: 1, rng: [1, 2, 3, 4] });
    expect(parseTrainerState(older)).toMatchObject({ evalHistory: [], skippedSteps: 0 });
  });

  it("names the wrong or unknown field and the source", () => {
    const good = initialTrainerState({ seed: 1, rng: [1, 2, 3, 4] });
    expect(() =>
      parseTrainerState({ ...good, dataCursor: { ...good.dataCursor, epoch: -1 } }, "run/trainer_state.json"),
    ).toThrow(/run\/trainer_state.json: invalid trainer state: dataCursor.epoch/);
    expect(() => parseTrainerState({ ...good, lerningRate: 1 })).toThrow(/lerningRate/);
    expect(() => parseTrainerState({ ...good, formatVersion: 2 })).toThrow(/formatVersion/);
    expect(() => parseTrainerState({ ...good, rng: [1, 2, 3] })).toThrow(/rng/);
  });
});
