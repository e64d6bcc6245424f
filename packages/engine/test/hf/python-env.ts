/**
 * Vitest global setup: creates (once, from the local wheels, about a minute) or reuses the pinned Python
 * environment of scripts/python-env.sh and exports its interpreter as RLHF_PYTHON for the interop tests.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PYTHON_ENV_VAR = "RLHF_PYTHON";

export default function setup(): void {
  if (process.env[PYTHON_ENV_VAR]) return;
  const script = fileURLToPath(new URL("../../../../scripts/python-env.sh", import.meta.url));
  try {
    process.env[PYTHON_ENV_VAR] = execFileSync("bash", [script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  } catch (err) {
    throw new Error(`the Python environment for the Hugging Face interop tests failed (${script})`, {
      cause: err,
    });
  }
}
