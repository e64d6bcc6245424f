export { gradients } from "./gradients.js";
export { GRAD_RULES, type GradRule } from "./rules.js";
