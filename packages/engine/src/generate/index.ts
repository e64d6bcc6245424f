export * from "./inference.js";
export * from "./export.js";
export * from "./sample.js";
export * from "./generator.js";
export * from "./checkpoint.js";
