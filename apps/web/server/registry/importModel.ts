// Importing a model folder saved by Hugging Face `transformers` (save_pretrained: config.json,
// model.safetensors, tokenizer.json) as a base model. The folder is named by its path on the server: the
// weights of even a small model are larger than a request body should be, and an admin who can start the
// platform can put a folder next to it. The files are copied into the artifact store, so the registered
// version does not change when the original folder does.
import { TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, rm } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { PrismaClient } from "@rlhf/db";
import { enqueueEvaluation, registerModelVersion } from "@rlhf/db/registry";
import { artifactsDir, readCheckpointInfo } from "@rlhf/db/runs";
import type { EvaluationQueue } from "@rlhf/shared/queue";

/** Files without which transformers cannot load the folder as a causal language model. */
const REQUIRED_FILES = ["config.json", "model.safetensors"];

export async function importHuggingFaceFolder(
  ctx: { prisma: PrismaClient; evaluationQueue: () => EvaluationQueue },
  actor: { id: string },
  input: { path: string; name: string },
) {
  const bad = (message: string) => new TRPCError({ code: "BAD_REQUEST", message: `path: ${message}` });
  if (!isAbsolute(input.path)) throw bad(`"${input.path}" is not an absolute path on the server`);
  if (!existsSync(input.path)) throw bad(`no folder ${input.path} on the server`);
  const missing = REQUIRED_FILES.filter((file) => !existsSync(join(input.path, file)));
  if (missing.length > 0)
    throw bad(`${input.path} has no ${missing.join(" or ")}; save the model with save_pretrained()`);
  let info;
  try {
    info = readCheckpointInfo(input.path);
  } catch (error) {
    throw bad((error as Error).message);
  }

  const dir = join(artifactsDir(), "models", "imported", randomUUID());
  await cp(input.path, dir, { recursive: true });
  let version;
  try {
    version = await registerModelVersion(ctx.prisma, {
      modelName: input.name,
      kind: "BASE",
      artifactDir: dir,
      architecture: info.architecture,
      actorId: actor.id,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    // A name taken by a model of another kind: registerModelVersion says so, naming the field.
    if ((error as Error).message.startsWith("modelName:"))
      throw new TRPCError({ code: "BAD_REQUEST", message: (error as Error).message, cause: error });
    throw error;
  }
  await ctx.prisma.auditLog.create({
    data: {
      actorId: actor.id,
      action: "model.import",
      target: `model:${version.modelId}`,
      details: { from: input.path, versionId: version.id, version: version.version },
    },
  });
  await enqueueEvaluation(ctx.prisma, ctx.evaluationQueue(), version.id);
  return { modelId: version.modelId, versionId: version.id, version: version.version };
}
