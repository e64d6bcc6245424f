export * from "./dtype.js";
export * from "./graph.js";
export * as ops from "./ops.js";
