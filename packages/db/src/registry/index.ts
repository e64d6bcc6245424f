// The model registry (issue 16): versions, aliases, lineage, evaluation jobs, model cards.
export * from "./versions";
export * from "./lineage";
export * from "./evaluations";
export { modelCard, type CardFacts } from "./card";
