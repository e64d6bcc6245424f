export * from "./language.js";
export * from "./preference.js";
