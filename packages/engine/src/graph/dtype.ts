/** Element types the engine's graphs use, with their ONNX TensorProto codes and host arrays. */
export type DType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool";

export const ONNX_DTYPE_CODE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export type HostArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Host array of `dtype` holding `values` (numbers; int64 goes through BigInt). */
export function hostArray(dtype: DType, values: ArrayLike<number>): HostArray {
  switch (dtype) {
    case "float32":
      return Float32Array.from(values);
    case "float64":
      return Float64Array.from(values);
    case "int32":
      return Int32Array.from(values);
    case "int64":
      return BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    case "uint8":
    case "bool":
      return Uint8Array.from(values);
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
