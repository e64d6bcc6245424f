import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { DataPrepareConfigSchema, type DataPrepareConfig } from "../../config/data.js";
import { renderCardMarkdown } from "../../data/card.js";
import { classify, readLabelledFile, trainTextClassifier } from "../../data/classifier.js";
import { prepareData } from "../../data/pipeline.js";
import { createProgress, type Progress } from "../progress.js";

/** Paths in a config file are relative to the file, so a config and its data can move together. */
export function loadDataConfig(file: string): DataPrepareConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`config ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = DataPrepareConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `config ${file}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  const cfg = parsed.data;
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const namedTokenizers = ["byte-level", "gpt2", "cl100k_base"];
  return {
    ...cfg,
    output: abs(cfg.output),
    sources: cfg.sources.map((s) => ({ ...s, path: abs(s.path) })),
    tokenizer: namedTokenizers.includes(cfg.tokenizer) ? cfg.tokenizer : abs(cfg.tokenizer),
    url: cfg.url.blocklistFile ? { ...cfg.url, blocklistFile: abs(cfg.url.blocklistFile) } : cfg.url,
    harmful: {
      ...cfg.harmful,
      categories: cfg.harmful.categories.map((c) =>
        c.termsFile ? { ...c, termsFile: abs(c.termsFile) } : c,
      ),
      classifier: cfg.harmful.classifier && {
        ...cfg.harmful.classifier,
        path: abs(cfg.harmful.classifier.path),
      },
    },
  };
}

export function registerDataCommands(program: Command): void {
  const data = program
    .command("data")
    .description("prepare training data: clean, deduplicate, mix, tokenize and pack into shards");
  data
    .command("prepare")
    .description(
      "run the data pipeline described by a JSON config; resumes an interrupted run in the same output folder",
    )
    .requiredOption("-c, --config <file>", "pipeline config (JSON, see README: Data and tokenizers)")
    .option("--restart", "discard earlier work in the output folder")
    .action(async (o: { config: string; restart?: boolean }) => {
      const cfg = loadDataConfig(o.config);
      let clean: Progress | undefined;
      let pack: Progress | undefined;
      const card = await prepareData(cfg, {
        restart: o.restart,
        onCleanProgress: (bytes, total, kept) => {
          clean ??= createProgress("clean (MB)", Math.ceil(total / 1e6));
          clean.update(Math.round(bytes / 1e6), { kept });
        },
        onPackProgress: (docs, total) => {
          clean?.stop();
          pack ??= createProgress("pack (documents)", total);
          pack.update(docs);
        },
      });
      clean?.stop();
      pack?.stop();
      if (card) console.log(renderCardMarkdown(card));
      console.log(`data card: ${resolve(cfg.output, "data-card.md")}`);
    });
  data
    .command("train-classifier")
    .description('train the harmful-content classifier on a labelled JSONL file ({"text", "label"} per line)')
    .argument("<labelled>", 'JSONL file; the label "ok" (or --ok-label) marks harmless text')
    .requiredOption("-o, --out <file>", "where to write the model (JSON); use it as harmful.classifier.path")
    .option("--ok-label <label>", "the label of harmless text", "ok")
    .option("--validation <file>", "a second labelled file to report accuracy on")
    .action((labelled: string, o: { out: string; okLabel: string; validation?: string }) => {
      const model = trainTextClassifier(readLabelledFile(labelled), { okLabel: o.okLabel });
      mkdirSync(dirname(resolve(o.out)), { recursive: true });
      writeFileSync(o.out, JSON.stringify(model));
      console.log(`classifier with labels ${model.labels.join(", ")} -> ${o.out}`);
      if (o.validation) {
        const held = readLabelledFile(o.validation);
        const right = held.filter((e) => {
          const p = classify(model, e.text);
          return Object.keys(p).reduce((a, b) => (p[a] >= p[b] ? a : b)) === e.label;
        }).length;
        console.log(`validation accuracy: ${right}/${held.length}`);
      }
    });
}
