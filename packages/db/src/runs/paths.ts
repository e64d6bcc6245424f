import { join, resolve } from "node:path";

/** The artifact store: ARTIFACTS_DIR, or .artifacts under the working directory (the web app's own default). */
export function artifactsDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ARTIFACTS_DIR ?? ".artifacts");
}

/** A run's workDir: everything its job writes; the same folder on every attempt, so a retry resumes. */
export function runWorkDir(runId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(artifactsDir(env), "runs", runId);
}

/** Where a registered version's files are kept (a copy of the run's final checkpoint, or an import). */
export function modelVersionDir(modelName: string, version: number, env: NodeJS.ProcessEnv = process.env) {
  return join(artifactsDir(env), "models", modelName, `v${version}`);
}
