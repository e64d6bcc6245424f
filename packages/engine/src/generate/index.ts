export * from "./inference.js";
export * from "./hf-decoder.js";
export * from "./export.js";
export * from "./sample.js";
export * from "./generator.js";
export * from "./checkpoint.js";
export * from "./transformers-js.js";
export * from "./chat.js";
