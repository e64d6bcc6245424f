/**
 * Lowers a Graph to an ONNX ModelProto (opset 18, IR version 8). Field numbers follow onnx/onnx.proto:
 * ModelProto{1 ir_version, 2 producer_name, 7 graph, 8 opset_import}, GraphProto{1 node, 2 name, 5 initializer,
 * 11 input, 12 output}, NodeProto{1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain}, TensorProto{1 dims, 2 data_type,
 * 8 name, 9 raw_data}, ValueInfoProto{1 name, 2 type}, AttributeProto{1 name, 2 f, 3 i, 4 s, 5 t, 8 ints, 20 type}.
 */
import { type DType, type HostArray, ONNX_DTYPE_CODE } from "../graph/dtype.js";
import type { Attr, Graph, Value } from "../graph/graph.js";
import { ProtoWriter } from "./protobuf.js";

export const OPSET = 18;
const IR_VERSION = 8;
/** ONNX Runtime's contrib operators (FastGelu), version 1 */
export const CONTRIB_DOMAIN = "com.microsoft";

function rawBytes(data: HostArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(name: string, dtype: DType, shape: readonly number[], data: HostArray): ProtoWriter {
  const w = new ProtoWriter();
  if (shape.length) w.packedInts(1, shape);
  return w.int(2, ONNX_DTYPE_CODE[dtype]).string(8, name).bytes(9, rawBytes(data));
}

function attributeProto(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case "float":
      return w.float(2, a.value).int(20, 1);
    case "int":
      return w.int(3, a.value).int(20, 2);
    case "string":
      return w.string(4, a.value).int(20, 3);
    case "tensor":
      return w.message(5, tensorProto("value", a.value.dtype, a.value.shape, a.value.data)).int(20, 4);
    case "ints":
      return w.packedInts(8, a.value).int(20, 7);
    case "graph":
      return w.message(6, graphProto(a.value, `${a.value.name}.`)).int(20, 5);
  }
}

/** Names of the dimensions an input or output leaves open (ONNX dim_param), by its name; null = fixed size. */
export type DimNames = ReadonlyMap<string, readonly (string | null)[]>;

function valueInfo(name: string, v: Value, dimNames?: DimNames): ProtoWriter {
  const shape = new ProtoWriter();
  const open = dimNames?.get(name);
  v.shape.forEach((d, i) => {
    const param = open?.[i];
    shape.message(1, param ? new ProtoWriter().string(2, param) : new ProtoWriter().int(1, d));
  });
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE_CODE[v.dtype]).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Encodes the graph; values get short generated names, inputs and outputs keep theirs. */
export function toOnnx(graph: Graph, producer = "rlhf-engine", dimNames?: DimNames): Uint8Array {
  const model = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, producer)
    .message(7, graphProto(graph, "", dimNames));
  model.message(8, new ProtoWriter().string(1, "").int(2, OPSET));
  if (usesDomain(graph, CONTRIB_DOMAIN))
    model.message(8, new ProtoWriter().string(1, CONTRIB_DOMAIN).int(2, 1));
  return model.finish();
}

function usesDomain(graph: Graph, domain: string): boolean {
  return graph.nodes.some(
    (n) =>
      n.domain === domain ||
      Object.values(n.attrs).some((a) => a.kind === "graph" && usesDomain(a.value, domain)),
  );
}

/** GraphProto; `prefix` keeps a subgraph's generated names apart from its parent's (ONNX forbids shadowing). */
function graphProto(graph: Graph, prefix: string, dimNames?: DimNames): ProtoWriter {
  const names = new Map<Value, string>();
  for (const v of graph.inputs) names.set(v, v.inputName!);
  const outputAliases: { from: Value; name: string }[] = [];
  const producedBy = new Set(graph.nodes.flatMap((n) => n.outputs));
  for (const { name, value } of graph.outputs) {
    // A node output can simply take the output's name; inputs, constants and values named twice need an Identity.
    if (producedBy.has(value) && !names.has(value)) names.set(value, name);
    else outputAliases.push({ from: value, name });
  }
  const nameOf = (v: Value) => {
    let n = names.get(v) ?? v.inputName;
    if (n === undefined) {
      n = `${prefix}t${v.id}`;
      names.set(v, n);
    }
    return n;
  };

  const g = new ProtoWriter();
  graph.nodes.forEach((node, i) => {
    const w = new ProtoWriter();
    for (const v of node.inputs) w.string(1, nameOf(v));
    for (const v of node.outputs) w.string(2, nameOf(v));
    w.string(3, `${prefix}${node.scope ? node.scope.replace(/\s+/g, "_") + "/" : ""}${node.op}_${i}`);
    w.string(4, node.op);
    for (const [k, a] of Object.entries(node.attrs)) w.message(5, attributeProto(k, a));
    if (node.domain) w.string(7, node.domain);
    g.message(1, w);
  });
  for (const { from, name } of outputAliases) {
    g.message(
      1,
      new ProtoWriter()
        .string(1, nameOf(from))
        .string(2, name)
        .string(3, `alias_${name}`)
        .string(4, "Identity"),
    );
  }
  g.string(2, graph.name);
  for (const c of graph.constants)
    g.message(5, tensorProto(nameOf(c.value), c.value.dtype, c.value.shape, c.data));
  for (const v of graph.inputs) g.message(11, valueInfo(nameOf(v), v, dimNames));
  for (const { name, value } of graph.outputs) g.message(12, valueInfo(name, value, dimNames));
  return g;
}
