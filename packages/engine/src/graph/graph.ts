/**
 * The engine's graph IR: values with a dtype and a static shape, nodes named after the ONNX operators they lower to,
 * and a scope stack naming the model part being built, so that shape errors say where they happened
 * (`block 3 attention: MatMul [8,128,64] x [32,128]`). Op constructors live in ops.ts; gradients in autodiff/.
 */
import { type DType, type HostArray, formatShape, hostArray, numel } from "./dtype.js";

export type Attr =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "ints"; value: number[] }
  | { kind: "tensor"; value: { dtype: DType; shape: number[]; data: HostArray } }
  /** a subgraph (the body of an ONNX Loop) */
  | { kind: "graph"; value: Graph };

export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: readonly number[],
    /** set for graph inputs and outer-scope references; other values are named when lowered */
    readonly inputName?: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface Node {
  op: string;
  inputs: Value[];
  outputs: Value[];
  attrs: Record<string, Attr>;
  /** model part that created the node, for errors and profiling */
  scope: string;
  /** operator set domain: absent for standard ONNX, "com.microsoft" for ONNX Runtime's contrib ops */
  domain?: string;
}

export interface Constant {
  value: Value;
  data: HostArray;
}

export class ShapeError extends Error {
  constructor(scope: string, op: string, operands: readonly (readonly number[])[], detail: string) {
    const where = scope ? `${scope}: ` : "";
    super(`${where}${op} ${operands.map(formatShape).join(" x ")}: ${detail}`);
    this.name = "ShapeError";
  }
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: { name: string; value: Value }[] = [];
  readonly constants: Constant[] = [];
  private nextId = 0;
  private scopes: string[] = [];
  private constantCache = new Map<string, Value>();

  /** `inputPrefix` renames this graph's inputs: a Loop body's must not shadow the enclosing graph's names. */
  constructor(
    readonly name = "graph",
    private readonly inputPrefix = "",
  ) {}

  get scope(): string {
    return this.scopes.join(" ");
  }

  /** Runs `build` with `part` appended to the scope that errors and node names report. */
  within<T>(part: string, build: () => T): T {
    this.scopes.push(part);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  input(unprefixed: string, dtype: DType, shape: readonly number[]): Value {
    const name = this.inputPrefix + unprefixed;
    if (this.inputs.some((i) => i.inputName === name))
      throw new Error(`graph ${this.name}: input ${name} declared twice`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0)
        throw new Error(`graph ${this.name}: input ${name} has invalid shape ${formatShape(shape)}`);
    }
    const v = new Value(this, this.nextId++, dtype, [...shape], name);
    this.inputs.push(v);
    return v;
  }

  /**
   * A value of the enclosing graph, referenced by name from this subgraph (ONNX outer-scope reference): a Loop body
   * reads the whole-run inputs this way.
   */
  outerInput(name: string, dtype: DType, shape: readonly number[]): Value {
    return new Value(this, this.nextId++, dtype, [...shape], name);
  }

  output(name: string, value: Value): void {
    if (value.graph !== this)
      throw new Error(`graph ${this.name}: output ${name} belongs to graph ${value.graph.name}`);
    if (this.outputs.some((o) => o.name === name))
      throw new Error(`graph ${this.name}: output ${name} declared twice`);
    this.outputs.push({ name, value });
  }

  /** A constant tensor (an ONNX initializer); small constants are shared. */
  constant(dtype: DType, shape: readonly number[], values: ArrayLike<number> | HostArray): Value {
    if (values.length !== numel(shape)) {
      throw new Error(
        `graph ${this.name}: constant of shape ${formatShape(shape)} needs ${numel(shape)} values, got ${values.length}`,
      );
    }
    const key =
      values.length <= 8
        ? `${dtype}${formatShape(shape)}${Array.from(values as ArrayLike<number>).join(",")}`
        : "";
    const cached = key ? this.constantCache.get(key) : undefined;
    if (cached) return cached;
    const value = new Value(this, this.nextId++, dtype, [...shape]);
    // Typed arrays of the dtype's own kind are used as they are (weights are not copied); anything else is converted.
    const data =
      isHostArray(values) && values.constructor === hostArray(dtype, []).constructor
        ? values
        : hostArray(dtype, Array.from(values as ArrayLike<number>, Number));
    this.constants.push({ value, data });
    if (key) this.constantCache.set(key, value);
    return value;
  }

  scalar(value: number, dtype: DType): Value {
    return this.constant(dtype, [], [value]);
  }

  int64s(values: readonly number[]): Value {
    return this.constant("int64", [values.length], values);
  }

  /** Appends a node; callers (ops.ts) have already checked shapes and computed the outputs' types. */
  node(
    op: string,
    inputs: Value[],
    outputs: { dtype: DType; shape: readonly number[] }[],
    attrs: Record<string, Attr> = {},
    domain?: string,
  ): Value[] {
    for (const i of inputs) {
      if (i.graph !== this)
        throw new Error(`${this.scope}: ${op} input belongs to graph ${i.graph.name}, not ${this.name}`);
    }
    const outs = outputs.map((o) => new Value(this, this.nextId++, o.dtype, [...o.shape]));
    // Copies: callers may reorder the arrays they pass in or get back without rewiring the node.
    this.nodes.push({
      op,
      inputs: [...inputs],
      outputs: [...outs],
      attrs,
      scope: this.scope,
      ...(domain ? { domain } : {}),
    });
    return outs;
  }

  fail(op: string, operands: readonly (readonly number[])[], detail: string): never {
    throw new ShapeError(this.scope, op, operands, detail);
  }
}

function isHostArray(v: unknown): v is HostArray {
  return ArrayBuffer.isView(v);
}
