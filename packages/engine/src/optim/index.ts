export * from "./update.js";
