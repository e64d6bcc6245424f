/** Reverse-mode differentiation over a Graph: appends the backward nodes and returns d(loss)/d(wrt). */
import { isFloat, numel, formatShape } from "../graph/dtype.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { GRAD_RULES } from "./rules.js";

export function gradients(loss: Value, wrt: readonly Value[]): Value[] {
  const g = loss.graph;
  if (numel(loss.shape) !== 1)
    throw new Error(`gradients: loss must be a scalar, got ${formatShape(loss.shape)}`);
  const forward = g.nodes.slice();

  // Which values depend on the differentiated inputs: only those nodes need a backward rule.
  const dependent = new Set<Value>(wrt);
  for (const node of forward) {
    if (node.inputs.some((i) => dependent.has(i)))
      for (const o of node.outputs) if (isFloat(o.dtype)) dependent.add(o);
  }
  if (!dependent.has(loss)) throw new Error("gradients: the loss does not depend on any of the given inputs");

  const grads = new Map<Value, Value>([[loss, op.fill(g, loss.shape, 1, loss.dtype)]]);
  for (let n = forward.length - 1; n >= 0; n--) {
    const node = forward[n];
    const gys = node.outputs.map((o) => grads.get(o) ?? null);
    if (gys.every((x) => x === null)) continue;
    const needs = node.inputs.map((i) => dependent.has(i));
    if (!needs.some(Boolean)) continue;
    const rule = GRAD_RULES[node.op];
    if (!rule) throw new Error(`${node.scope || "graph"}: no gradient rule for op ${node.op}`);
    const gxs = g.within(node.scope ? `${node.scope} backward` : "backward", () => rule(node, gys, needs));
    node.inputs.forEach((input, k) => {
      const gx = gxs[k];
      if (!needs[k] || !gx) return;
      if (formatShape(gx.shape) !== formatShape(input.shape)) {
        throw new Error(
          `${node.scope}: gradient rule of ${node.op} returned ${formatShape(gx.shape)} for input ${formatShape(input.shape)}`,
        );
      }
      const prev = grads.get(input);
      grads.set(input, prev ? op.add(prev, gx) : gx);
    });
  }
  return wrt.map((w) => grads.get(w) ?? op.zeros(g, w.shape, w.dtype));
}
