export * from "./chinchilla.js";
export * from "./powerLaw.js";
