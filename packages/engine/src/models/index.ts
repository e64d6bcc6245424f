export * from "./parameters.js";
export * from "./transformer.js";
