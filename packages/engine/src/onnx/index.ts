export { OPSET, toOnnx } from "./lower.js";
