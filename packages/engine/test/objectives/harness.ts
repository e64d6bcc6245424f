/** Builds a small graph from fixture tensors, differentiates it and runs it through ONNX Runtime. */
import { expect } from "vitest";
import { gradients } from "../../src/autodiff/index.js";
import { type DType, Graph, type Value, hostArray } from "../../src/graph/index.js";
import { toOnnx } from "../../src/onnx/index.js";
import { Session, type Tensor, tensor } from "../../src/runtime/index.js";
import type { FixtureTensor } from "./fixtures.js";

export class Harness {
  readonly graph = new Graph("objective-test");
  private feeds: Record<string, Tensor> = {};

  input(name: string, t: FixtureTensor, dtype: DType = "float32"): Value {
    this.feeds[name] = tensor(dtype, t.shape, hostArray(dtype, t.data));
    return this.graph.input(name, dtype, t.shape);
  }

  /** Runs the graph and returns every output, plus d(loss)/d(x) as `grad/<name>` for each of `wrt`. */
  async run(
    outputs: Record<string, Value>,
    loss?: Value,
    wrt: Record<string, Value> = {},
  ): Promise<Record<string, number[]>> {
    const names = Object.keys(wrt);
    const grads =
      loss && names.length
        ? gradients(
            loss,
            names.map((n) => wrt[n]),
          )
        : [];
    for (const [name, v] of Object.entries(outputs)) this.graph.output(name, v);
    grads.forEach((gv, i) => this.graph.output(`grad/${names[i]}`, gv));
    const session = await Session.create(toOnnx(this.graph), { threads: 1 });
    try {
      const result = await session.run(this.feeds);
      return Object.fromEntries(
        Object.entries(result).map(([k, v]) => [k, Array.from(v.data as Float32Array, Number)]),
      );
    } finally {
      await session.release();
    }
  }
}

/** Every element within `tol` of the reference, relative to the reference tensor's largest magnitude. */
export function expectAllClose(actual: number[], expected: number[], tol = 1e-5, what = "tensor"): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i])));
  expect(worst / scale, `${what}: worst difference ${worst} against scale ${scale}`).toBeLessThanOrEqual(tol);
}

/** A scalar within `tol`, relative to max(1, |expected|). */
export function expectScalarClose(actual: number[], expected: number, tol = 1e-5, what = "scalar"): void {
  expect(actual.length, what).toBe(1);
  expect(
    Math.abs(actual[0] - expected) / Math.max(1, Math.abs(expected)),
    `${what}: ${actual[0]} vs ${expected}`,
  ).toBeLessThanOrEqual(tol);
}
