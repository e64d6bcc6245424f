// Shared run logic (issue 16): resolving a spec's ids to files, validating inputs, the run lifecycle.
export * from "./paths";
export * from "./checkpoint-info";
export * from "./snapshot-data";
export * from "./validate";
export * from "./lifecycle";
export * from "./pipeline";
export * from "./quickstart";
