import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Generator, chatReply } from "../../src/generate/index.js";
import { type ChatMessage, renderChat } from "../../src/tokenizer/chat.js";
import { SPECIAL_TOKENS } from "../../src/tokenizer/index.js";
import { saveTinyCheckpoint, tinyModel } from "../export/fixtures.js";

const ENGINE = join(import.meta.dirname, "../../bin/engine.mjs");
const TURNS = ["hello there", "and the cat?"];
const greedy = { maxNewTokens: 12, temperature: 0 };

describe("engine generate --chat", () => {
  it("answers each stdin line with the chat template, ends turns at <|im_end|> and keeps the conversation", async () => {
    const { model, weights, tokenizer } = await tinyModel({ preset: "llama-style", heads: 4, kvHeads: 2 });
    // Make the model close its first turn: <|im_end|>'s head row becomes a scaled copy of the row of the
    // token it would pick third, so <|im_end|> outscores that token by then at the latest.
    const first = await new Generator(model, weights, { threads: 1 }).generate(
      renderChat([{ role: "user", content: TURNS[0] }], tokenizer, { addGenerationPrompt: true }).ids,
      greedy,
    );
    const head = weights["lm_head.weight"];
    const end = tokenizer.specialTokens[SPECIAL_TOKENS.imEnd];
    const row = (id: number) => head.subarray(id * model.width, (id + 1) * model.width);
    row(end).set(row(first.tokens[2]).map((x) => x * 1.05));

    const generator = new Generator(model, weights, { threads: 1 });
    const messages: ChatMessage[] = [];
    const replies = [];
    for (const content of TURNS) {
      messages.push({ role: "user", content });
      const reply = await chatReply(generator, tokenizer, messages, greedy);
      messages.push({ role: "assistant", content: reply.text });
      replies.push(reply);
    }
    await generator.release();
    expect(replies[0].generation.stopReason).toBe("stop_token");
    expect(replies[0].generation.tokens.at(-1)).toBe(end);

    const dir = saveTinyCheckpoint(model, weights, tokenizer);
    const cli = spawnSync(
      process.execPath,
      [ENGINE, "generate", "--model", dir, "--chat", "--max-new-tokens", "12", "--temperature", "0"],
      { input: TURNS.join("\n") + "\n", encoding: "utf8" },
    );
    expect(cli.stderr).toContain("stop: stop_token");
    expect(cli.status).toBe(0);
    expect(cli.stdout).toBe(replies.map((r) => r.text + "\n").join(""));
  }, 60_000); // a CLI process compiles TypeScript and two graphs: seconds on a busy machine
});
