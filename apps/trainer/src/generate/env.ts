import { z } from "zod";
import { MAX_NEW_TOKENS_LIMIT } from "@rlhf/shared/generate";

/** The generate service's settings, from the environment; every default written here once. */
const generateEnvSchema = z.object({
  /** Server-wide limit on streams generating at once; further requests wait in the queue. */
  GENERATE_MAX_STREAMS: z.coerce.number().int().min(1).default(4),
  /** Model versions kept loaded (least recently used ones are unloaded first). */
  GENERATE_CACHE_MODELS: z.coerce.number().int().min(1).default(2),
  /** Cap on any request's max new tokens. */
  GENERATE_MAX_NEW_TOKENS: z.coerce.number().int().min(1).max(MAX_NEW_TOKENS_LIMIT).default(512),
  /** onnxruntime threads per model (0: its default). */
  GENERATE_THREADS: z.coerce.number().int().min(0).default(1),
});

export type GenerateEnv = z.infer<typeof generateEnvSchema>;

export function generateEnv(env: NodeJS.ProcessEnv = process.env): GenerateEnv {
  const parsed = generateEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `bad generate environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}
