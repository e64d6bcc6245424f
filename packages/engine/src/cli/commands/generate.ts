import { createInterface } from "node:readline";
import type { Command } from "commander";
import { chatReply, textStream } from "../../generate/chat.js";
import { generatorFromCheckpoint, resolveCheckpoint } from "../../generate/checkpoint.js";
import type { GenerateOptions, Generator } from "../../generate/generator.js";
import type { ChatMessage } from "../../tokenizer/chat.js";
import { type Tokenizer, loadTokenizer } from "../../tokenizer/index.js";

const num = (v: string) => Number(v);

interface GenerateCliOptions {
  model: string;
  prompt?: string;
  chat?: boolean;
  system?: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stop?: string[];
}

export function registerGenerateCommand(program: Command): void {
  program
    .command("generate")
    .description("generate text from a checkpoint, streaming tokens as they come")
    .requiredOption("--model <dir>", "checkpoint folder, or a run folder (its best checkpoint)")
    .option("--prompt <text>", "prompt text to continue")
    .option(
      "--chat",
      "chat: read user turns from stdin, one per line, and answer each with the chat template",
    )
    .option("--system <text>", "system message that opens the conversation (--chat)")
    .option("--max-new-tokens <n>", "tokens to generate (per turn with --chat)", num, 100)
    .option("--temperature <t>", "0 = greedy", num, 0.8)
    .option("--top-k <k>", "keep the k most likely tokens (0 = all)", num, 40)
    .option("--top-p <p>", "nucleus sampling mass", num, 0.95)
    .option("--seed <n>", "sampling seed", num, 0)
    .option("--stop <ids...>", "stop token ids")
    .action(async (opts: GenerateCliOptions) => {
      if (!opts.chat && opts.prompt === undefined)
        throw new Error("generate: give --prompt, or --chat to read user turns from stdin");
      const dir = resolveCheckpoint(opts.model);
      const { generator, tokenizerJson } = generatorFromCheckpoint(dir);
      // Without tokenizer.json the run was trained on bytes (ids 0..255).
      const tokenizer = tokenizerJson ? loadTokenizer(tokenizerJson) : null;
      const sampling: GenerateOptions = {
        maxNewTokens: opts.maxNewTokens,
        temperature: opts.temperature,
        topK: opts.topK,
        topP: opts.topP,
        seed: opts.seed,
        stopTokens: opts.stop?.map(Number),
      };
      try {
        if (opts.chat) {
          if (!tokenizer) throw new Error(`generate --chat: ${dir} has no tokenizer.json (a raw-byte run)`);
          await chat(generator, tokenizer, opts.system, sampling);
        } else await complete(generator, tokenizer, opts.prompt!, sampling);
        process.stderr.write(`[checkpoint ${dir}]\n`);
      } finally {
        await generator.release();
      }
    });
}

async function complete(
  generator: Generator,
  tokenizer: Tokenizer | null,
  prompt: string,
  sampling: GenerateOptions,
): Promise<void> {
  const decoder = new TextDecoder("utf-8");
  const decode = (ids: number[]) =>
    tokenizer ? tokenizer.decode(ids) : decoder.decode(Uint8Array.from(ids));
  const stream = textStream(decode);
  process.stdout.write(prompt);
  const ids = tokenizer ? tokenizer.encode(prompt) : [...Buffer.from(prompt, "utf8")];
  const result = await generator.generate(ids, {
    ...sampling,
    onToken: (t) => process.stdout.write(stream.push(t)),
  });
  process.stdout.write(stream.rest() + "\n");
  process.stderr.write(`[${result.tokens.length} tokens, stop: ${result.stopReason}]\n`);
}

/** One assistant turn per stdin line; the whole conversation is the prompt of each turn. */
async function chat(
  generator: Generator,
  tokenizer: Tokenizer,
  system: string | undefined,
  sampling: GenerateOptions,
): Promise<void> {
  const messages: ChatMessage[] = system ? [{ role: "system", content: system }] : [];
  const interactive = process.stdin.isTTY;
  const lines = createInterface({ input: process.stdin, terminal: false });
  if (interactive) process.stdout.write("> ");
  for await (const line of lines) {
    if (line.trim() === "") continue;
    messages.push({ role: "user", content: line });
    // the turn's closing token is not shown: decoding skips special tokens
    const stream = textStream((ids) => tokenizer.decode(ids, { skipSpecialTokens: true }));
    const reply = await chatReply(generator, tokenizer, messages, {
      ...sampling,
      onToken: (t) => process.stdout.write(stream.push(t)),
    });
    messages.push({ role: "assistant", content: reply.text });
    process.stdout.write(stream.rest() + (interactive ? "\n> " : "\n"));
    process.stderr.write(
      `[${reply.generation.tokens.length} tokens, stop: ${reply.generation.stopReason}${
        reply.droppedMessages ? `, ${reply.droppedMessages} earlier messages left out to fit the context` : ""
      }]\n`,
    );
  }
}
