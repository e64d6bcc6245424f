// A checkpoint as a language model to score and sample: token log-probabilities from one full-context forward
// pass per window, and chat or plain-text generation with a seeded sampler.
import {
  buildFullContextGraph,
  chatStopTokens,
  Generator,
  INFERENCE_IO,
  loadTokenizer,
  readCheckpointModel,
  renderChat,
  Session,
  tensor,
  toOnnx,
  type ChatMessage,
  type ModelConfig,
  type Tokenizer,
} from "@rlhf/engine";

export class LanguageModel {
  private constructor(
    readonly model: ModelConfig,
    readonly tokenizer: Tokenizer,
    private readonly scorer: Session,
    private readonly generator: Generator,
  ) {}

  static async load(dir: string): Promise<LanguageModel> {
    const { model, weights, tokenizerJson } = readCheckpointModel(dir);
    if (!tokenizerJson) throw new Error(`checkpoint ${dir} has no tokenizer.json`);
    const scorer = await Session.create(toOnnx(buildFullContextGraph(model, weights)));
    return new LanguageModel(model, loadTokenizer(tokenizerJson), scorer, new Generator(model, weights));
  }

  /**
   * log p(ids[i] | ids[<i]) for i = 1..n-1, in windows of the context length (each window restarts the context,
   * as perplexity on long texts is usually computed without overlap).
   */
  async tokenLogProbs(ids: number[]): Promise<number[]> {
    const ctx = this.model.contextLength;
    const vocab = this.model.vocabSize;
    const out: number[] = [];
    for (let start = 0; start + 1 < ids.length; start += ctx) {
      const window = ids.slice(start, start + ctx + 1);
      const input = window.slice(0, ctx);
      const padded = BigInt64Array.from({ length: ctx }, (_, i) => BigInt(input[i] ?? 0));
      const result = await this.scorer.run({ [INFERENCE_IO.inputIds]: tensor("int64", [1, ctx], padded) });
      const logits = result[INFERENCE_IO.logits].data as Float32Array;
      for (let t = 0; t + 1 < window.length; t++) {
        const row = logits.subarray(t * vocab, (t + 1) * vocab);
        let max = -Infinity;
        for (const v of row) max = Math.max(max, v);
        let sum = 0;
        for (const v of row) sum += Math.exp(v - max);
        out.push(row[window[t + 1]] - max - Math.log(sum));
      }
    }
    return out;
  }

  /** Summed negative log-likelihood (nats) and token count of a text. */
  async textNll(text: string): Promise<{ nll: number; tokens: number }> {
    const logProbs = await this.tokenLogProbs(this.tokenizer.encode(text));
    return { nll: -logProbs.reduce((a, b) => a + b, 0), tokens: logProbs.length };
  }

  /** log p of ids[promptLength..] given what precedes them (a generated answer given its prompt). */
  async sequenceLogProb(ids: number[], promptLength: number): Promise<number> {
    const logProbs = await this.tokenLogProbs(ids);
    return logProbs.slice(promptLength - 1).reduce((a, b) => a + b, 0);
  }

  /**
   * The assistant's reply to a conversation (chat models) or the continuation of a text (base models): its text,
   * and the exact ids of prompt and answer (`promptLength` of them the prompt) for scoring without re-tokenizing.
   */
  async reply(prompt: ChatMessage[], options: { seed: number; temperature: number; maxNewTokens: number }) {
    const chat = this.tokenizer.specialTokens["<|im_end|>"] !== undefined;
    const promptIds = chat
      ? renderChat(prompt, this.tokenizer, { addGenerationPrompt: true }).ids
      : this.tokenizer.encode(prompt.map((m) => m.content).join("\n"));
    const input = promptIds.slice(-(this.model.contextLength - 1));
    const generation = await this.generator.generate(input, {
      ...options,
      stopTokens: chat ? chatStopTokens(this.tokenizer) : [],
    });
    const content =
      generation.stopReason === "stop_token" ? generation.tokens.slice(0, -1) : generation.tokens;
    return {
      text: this.tokenizer.decode(content, { skipSpecialTokens: true }),
      tokens: content.length,
      ids: [...input, ...generation.tokens],
      promptLength: input.length,
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.scorer.release(), this.generator.release()]);
  }
}
