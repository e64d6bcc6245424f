// Loaded models for the generate service: loading compiles ONNX sessions (seconds), so versions stay loaded
// between requests, at most `capacity` of them; the least recently used idle one is unloaded first. A model in
// use is never unloaded, so the cache may hold more than `capacity` while that many are busy at once.
import { type Generator, type Tokenizer, generatorFromCheckpoint, loadTokenizer } from "@rlhf/engine";

export interface LoadedModel {
  generator: Generator;
  tokenizer: Tokenizer;
}

interface Entry {
  model: Promise<LoadedModel>;
  users: number;
  lastUsed: number;
}

export function loadChatModel(artifactDir: string, threads: number): LoadedModel {
  const { generator, tokenizerJson } = generatorFromCheckpoint(artifactDir, threads > 0 ? { threads } : {});
  if (!tokenizerJson)
    throw new Error(
      `${artifactDir} has no tokenizer.json; chat needs a tokenizer with the chat template's tokens`,
    );
  return { generator, tokenizer: loadTokenizer(tokenizerJson) };
}

export class ModelCache {
  private entries = new Map<string, Entry>();
  private clock = 0;

  constructor(
    private readonly capacity: number,
    private readonly load: (artifactDir: string) => LoadedModel | Promise<LoadedModel>,
  ) {}

  /** The loaded model of a version; call release(versionId) when done with it. */
  async acquire(versionId: string, artifactDir: string): Promise<LoadedModel> {
    let entry = this.entries.get(versionId);
    if (!entry) {
      entry = { model: Promise.resolve().then(() => this.load(artifactDir)), users: 0, lastUsed: 0 };
      this.entries.set(versionId, entry);
    }
    entry.users++;
    entry.lastUsed = ++this.clock;
    try {
      return await entry.model;
    } catch (error) {
      // a failed load is not cached: the next request tries again
      if (this.entries.get(versionId) === entry) this.entries.delete(versionId);
      throw error;
    }
  }

  async release(versionId: string): Promise<void> {
    const entry = this.entries.get(versionId);
    if (entry) entry.users = Math.max(0, entry.users - 1);
    await this.evict();
  }

  /** Version ids loaded now, least recently used first. */
  loaded(): string[] {
    return [...this.entries.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed).map(([id]) => id);
  }

  private async evict(): Promise<void> {
    while (this.entries.size > this.capacity) {
      const idle = this.loaded().find((id) => this.entries.get(id)!.users === 0);
      if (!idle) return;
      const entry = this.entries.get(idle)!;
      this.entries.delete(idle);
      await (await entry.model.catch(() => null))?.generator.release();
    }
  }

  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map(async (e) => (await e.model.catch(() => null))?.generator.release()));
  }
}

/** Model text as stored: PostgreSQL text cannot hold U+0000, which a byte-level tokenizer can decode to. */
export const storableText = (text: string) => text.replaceAll("\u0000", "");
