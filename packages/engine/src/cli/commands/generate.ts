import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { generatorFromCheckpoint } from "../../generate/checkpoint.js";
import { loadTokenizer } from "../../tokenizer/index.js";
import { bestCheckpoint, latestCheckpoint } from "../../train/checkpoint.js";

/** A run folder means its best checkpoint (else its latest); a checkpoint folder means itself. */
function resolveCheckpoint(dir: string): string {
  if (existsSync(join(dir, "model.safetensors"))) return dir;
  const found = bestCheckpoint(dir) ?? latestCheckpoint(dir);
  if (!found) throw new Error(`generate: ${dir} is neither a checkpoint nor a run folder with checkpoints`);
  return found.dir;
}

const num = (v: string) => Number(v);

export function registerGenerateCommand(program: Command): void {
  program
    .command("generate")
    .description("generate text from a checkpoint, streaming tokens as they come")
    .requiredOption("--model <dir>", "checkpoint folder, or a run folder (its best checkpoint)")
    .requiredOption("--prompt <text>", "prompt text")
    .option("--max-new-tokens <n>", "tokens to generate", num, 100)
    .option("--temperature <t>", "0 = greedy", num, 0.8)
    .option("--top-k <k>", "keep the k most likely tokens (0 = all)", num, 40)
    .option("--top-p <p>", "nucleus sampling mass", num, 0.95)
    .option("--seed <n>", "sampling seed", num, 0)
    .option("--stop <ids...>", "stop token ids")
    .action(
      async (opts: {
        model: string;
        prompt: string;
        maxNewTokens: number;
        temperature: number;
        topK: number;
        topP: number;
        seed: number;
        stop?: string[];
      }) => {
        const dir = resolveCheckpoint(opts.model);
        const { generator, tokenizerJson } = generatorFromCheckpoint(dir);
        // Without tokenizer.json the run was trained on bytes (ids 0..255).
        const tokenizer = tokenizerJson ? loadTokenizer(tokenizerJson) : null;
        const encode = (s: string) => (tokenizer ? tokenizer.encode(s) : [...Buffer.from(s, "utf8")]);
        const decoder = new TextDecoder("utf-8");
        const write = (ids: number[]) =>
          process.stdout.write(
            tokenizer ? tokenizer.decode(ids) : decoder.decode(Uint8Array.from(ids), { stream: true }),
          );
        const prompt = encode(opts.prompt);
        process.stdout.write(opts.prompt);
        const result = await generator.generate(prompt, {
          maxNewTokens: opts.maxNewTokens,
          temperature: opts.temperature,
          topK: opts.topK,
          topP: opts.topP,
          seed: opts.seed,
          stopTokens: opts.stop?.map(Number),
          onToken: (t) => write([t]),
        });
        process.stdout.write(`\n`);
        process.stderr.write(
          `[${result.tokens.length} tokens, stop: ${result.stopReason}, checkpoint ${dir}]\n`,
        );
        await generator.release();
      },
    );
}
