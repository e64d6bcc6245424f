export * from "./roles";
export * from "./runs";
export * from "./queues";
export * from "./metrics";
export * from "./health";
export * from "./evaluation";
export * from "./eval-set";
export * from "./torch-backend";
