/**
 * Central finite differences through ONNX Runtime: builds f(inputs) -> scalar (the op's output weighted by a fixed
 * random tensor, so every output element matters), the autodiff gradients, and compares them element by element.
 */
import { Graph, type Value } from "../../src/graph/index.js";
import type { DType } from "../../src/graph/dtype.js";
import { ops } from "../../src/graph/index.js";
import { gradients } from "../../src/autodiff/index.js";
import { toOnnx } from "../../src/onnx/index.js";
import { Session, tensor } from "../../src/runtime/index.js";
import { Rng } from "../../src/util/rng.js";

export interface CheckInput {
  shape: number[];
  /** a fixed non-differentiated input (indices, conditions); default: random float to differentiate */
  fixed?: { dtype: DType; data: Int32Array | BigInt64Array | Uint8Array | Float64Array };
  /** keep values away from a singularity (log, sqrt, div) */
  positive?: boolean;
}

export async function gradCheck(
  dtype: "float32" | "float64",
  inputs: CheckInput[],
  build: (xs: Value[]) => Value,
  seed = 7,
): Promise<{ maxError: number; worst: string }> {
  const rng = new Rng(seed);
  const g = new Graph("gradcheck");
  const xs = inputs.map((inp, i) => g.input(`x${i}`, inp.fixed?.dtype ?? dtype, inp.shape));
  const y = build(xs);
  const weights = Array.from({ length: y.shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const loss = ops.reduceSum(ops.mul(y, g.constant(dtype, y.shape, weights)), null);
  const diffIdx = inputs.map((inp, i) => (inp.fixed ? -1 : i)).filter((i) => i >= 0);
  const grads = gradients(
    loss,
    diffIdx.map((i) => xs[i]),
  );
  g.output("loss", loss);
  grads.forEach((gr, k) => g.output(`grad${k}`, gr));
  const session = await Session.create(toOnnx(g), { threads: 2 });

  const values = inputs.map((inp) => {
    if (inp.fixed) return inp.fixed.data;
    const draws = Array.from({ length: inp.shape.reduce((a, b) => a * b, 1) }, () =>
      inp.positive ? 0.5 + rng.next() : rng.normal(),
    );
    return dtype === "float32" ? Float32Array.from(draws) : Float64Array.from(draws);
  });
  const feeds = () =>
    Object.fromEntries(
      inputs.map((inp, i) => [`x${i}`, tensor(inp.fixed?.dtype ?? dtype, inp.shape, values[i])]),
    );
  const out = await session.run(feeds());
  const h = dtype === "float64" ? 1e-6 : 1e-2;
  let maxError = 0;
  let worst = "";
  for (const [k, i] of diffIdx.entries()) {
    const analytic = out[`grad${k}`].data as Float32Array | Float64Array;
    const v = values[i] as Float32Array | Float64Array;
    for (let e = 0; e < v.length; e++) {
      const orig = v[e];
      v[e] = orig + h;
      const up = Number((await session.run(feeds())).loss.data[0]);
      v[e] = orig - h;
      const down = Number((await session.run(feeds())).loss.data[0]);
      v[e] = orig;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(numeric - analytic[e]) / Math.max(1, Math.abs(numeric));
      if (err > maxError) {
        maxError = err;
        worst = `input ${i} element ${e}: autodiff ${analytic[e]} vs finite differences ${numeric}`;
      }
    }
  }
  await session.release();
  return { maxError, worst };
}
