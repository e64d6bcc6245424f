/**
 * Checkpoint folders (the format of DESIGN.md): each is a Hugging Face model folder that `from_pretrained` loads.
 *   model.safetensors      weights (metadata format=pt, as transformers expects)
 *   config.json            Hugging Face config derived from the engine config's `model` (src/hf/config.ts)
 *   generation_config.json bos/eos/pad ids, eos including the end of a chat turn
 *   engine_config.json     the engine's own metadata {format, model, run, data}: what loadCheckpoint().config gives
 *   optimizer.safetensors  optimizer state tensors
 *   trainer_state.json     TrainerState (state.ts): step, RNG, data cursor, monitors, recent metrics
 *   tokenizer.json         optional, Hugging Face tokenizers format, with tokenizer_config.json (chat template)
 *   model.onnx             optional, inference graph
 * Folders written before config.json became Hugging Face's (engine metadata in config.json) still load.
 * A run keeps them as runDir/checkpoint-<step>, plus runDir/best (a symlink, or a copy where links are refused)
 * for the best validation loss.
 *
 * Saves are atomic: everything is written and fsynced into `<dir>.tmp-<pid>`, then renamed into place. Replacing
 * an existing folder moves it to `<dir>.old-<pid>` first; if a crash falls between the two renames, the next
 * list or load renames the old folder back. So an interrupted save never leaves half a checkpoint and never
 * destroys the previous one.
 */
import {
  cpSync,
  existsSync,
  fsyncSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { readModelConfig } from "../config/model.js";
import { HF_SCORE_HEAD } from "../hf/config.js";
import { HF_FILES, hfModelFiles } from "../hf/folder.js";
import { readSafetensors, writeFileAtomic, writeSafetensors, type TensorMap } from "../io/safetensors.js";
import { parseTrainerState, type TrainerState } from "./state.js";

export const CHECKPOINT_FILES = {
  ...HF_FILES,
  optimizer: "optimizer.safetensors",
  trainerState: "trainer_state.json",
  onnx: "model.onnx",
} as const;

const REQUIRED_FILES = [
  CHECKPOINT_FILES.weights,
  CHECKPOINT_FILES.optimizer,
  CHECKPOINT_FILES.config,
  CHECKPOINT_FILES.trainerState,
];
const CHECKPOINT_NAME = /^checkpoint-(\d+)$/;
const LEFTOVER_NAME = /^(.+)\.(tmp|old)-(\d+)$/;
export const BEST_CHECKPOINT_NAME = "best";

export interface CheckpointContents {
  weights: TensorMap;
  optimizer: TensorMap;
  /** the engine metadata {format, model, run, data}: engine_config.json, and config.json derives from `model` */
  config: unknown;
  trainerState: TrainerState;
  tokenizerJson?: string;
  onnxModel?: Uint8Array;
  /** Extra string metadata for model.safetensors (format=pt is always set). */
  weightsMetadata?: Record<string, string>;
}

export interface LoadedCheckpoint {
  dir: string;
  weights: TensorMap;
  weightsMetadata: Record<string, string>;
  optimizer: TensorMap;
  /** engine_config.json (config.json in folders written before it was Hugging Face's) */
  config: unknown;
  trainerState: TrainerState;
  tokenizerJson?: string;
  /** Path of model.onnx when the checkpoint has one (sessions load it by path). */
  onnxModelPath?: string;
}

export class CheckpointError extends Error {
  constructor(dir: string, detail: string) {
    super(`checkpoint ${dir}: ${detail}`);
    this.name = "CheckpointError";
  }
}

export function checkpointDir(runDir: string, step: number): string {
  return join(runDir, `checkpoint-${step}`);
}

export function saveCheckpoint(dir: string, contents: CheckpointContents): void {
  const trainerState = parseTrainerState(contents.trainerState, `${dir}: trainer state to save`);
  const configJson = JSON.stringify(contents.config, null, 2);
  if (configJson === undefined) throw new CheckpointError(dir, "config is not JSON-serializable");
  const hfFiles = hfFilesOf(dir, contents);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeSafetensors(join(tmp, CHECKPOINT_FILES.weights), contents.weights, {
      ...contents.weightsMetadata,
      format: "pt",
    });
    writeSafetensors(join(tmp, CHECKPOINT_FILES.optimizer), contents.optimizer);
    writeFileAtomic(join(tmp, CHECKPOINT_FILES.engineConfig), configJson + "\n");
    for (const [file, text] of Object.entries(hfFiles)) writeFileAtomic(join(tmp, file), text);
    if (contents.tokenizerJson !== undefined)
      writeFileAtomic(join(tmp, CHECKPOINT_FILES.tokenizer), contents.tokenizerJson);
    if (contents.onnxModel !== undefined)
      writeFileAtomic(join(tmp, CHECKPOINT_FILES.onnx), contents.onnxModel);
    writeFileAtomic(join(tmp, CHECKPOINT_FILES.trainerState), JSON.stringify(trainerState, null, 2) + "\n");
    fsyncPath(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  replaceDir(tmp, dir);
}

/** config.json and its companions, derived from the engine config's `model`; refused when HF cannot represent it. */
function hfFilesOf(dir: string, contents: CheckpointContents): Record<string, string> {
  const raw = (contents.config as { model?: unknown } | null)?.model;
  try {
    const model = readModelConfig(raw, `${dir}: engine config`);
    const head = HF_SCORE_HEAD in contents.weights ? "score" : "lm";
    return hfModelFiles(model, { tokenizerJson: contents.tokenizerJson, head });
  } catch (err) {
    throw new CheckpointError(dir, `cannot write a Hugging Face config.json: ${(err as Error).message}`);
  }
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  restoreInterruptedReplace(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CheckpointError(dir, "no such checkpoint folder");
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0)
    throw new CheckpointError(dir, `missing ${missing.join(", ")} (an incomplete or foreign folder)`);
  const weights = readSafetensors(join(dir, CHECKPOINT_FILES.weights));
  const optimizer = readSafetensors(join(dir, CHECKPOINT_FILES.optimizer)).tensors;
  const legacy = !existsSync(join(dir, CHECKPOINT_FILES.engineConfig));
  const config = readJson(dir, legacy ? CHECKPOINT_FILES.config : CHECKPOINT_FILES.engineConfig);
  const trainerState = parseTrainerState(
    readJson(dir, CHECKPOINT_FILES.trainerState),
    join(dir, CHECKPOINT_FILES.trainerState),
  );
  const tokenizerPath = join(dir, CHECKPOINT_FILES.tokenizer);
  const onnxPath = join(dir, CHECKPOINT_FILES.onnx);
  return {
    dir,
    weights: weights.tensors,
    weightsMetadata: weights.metadata,
    optimizer,
    config,
    trainerState,
    ...(existsSync(tokenizerPath) ? { tokenizerJson: readFileSync(tokenizerPath, "utf8") } : {}),
    ...(existsSync(onnxPath) ? { onnxModelPath: onnxPath } : {}),
  };
}

function readJson(dir: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, file), "utf8"));
  } catch (err) {
    throw new CheckpointError(dir, `${file} is not valid JSON (${(err as Error).message})`);
  }
}

/** The run's step checkpoints, oldest first. Leftovers of interrupted saves are not listed. */
export function listCheckpoints(runDir: string): Array<{ step: number; dir: string }> {
  if (!existsSync(runDir)) return [];
  for (const name of readdirSync(runDir)) {
    const leftover = LEFTOVER_NAME.exec(name);
    if (leftover?.[2] === "old") restoreInterruptedReplace(join(runDir, leftover[1]));
  }
  return readdirSync(runDir)
    .map((name) => ({ name, match: CHECKPOINT_NAME.exec(name) }))
    .filter((e) => e.match !== null && statSync(join(runDir, e.name)).isDirectory())
    .map((e) => ({ step: Number(e.match![1]), dir: join(runDir, e.name) }))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(runDir: string): { step: number; dir: string } | null {
  const all = listCheckpoints(runDir);
  return all.length > 0 ? all[all.length - 1] : null;
}

/** Points runDir/best at checkpoint-<step>: an atomically swapped relative symlink, or a copy where links fail. */
export function markBestCheckpoint(runDir: string, step: number): void {
  const target = checkpointDir(runDir, step);
  if (!existsSync(target))
    throw new CheckpointError(target, "cannot mark as best: no such checkpoint folder");
  const best = join(runDir, BEST_CHECKPOINT_NAME);
  const tmp = `${best}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    symlinkSync(basename(target), tmp, "dir");
  } catch {
    cpSync(target, tmp, { recursive: true });
    fsyncPath(tmp);
    replaceDir(tmp, best);
    return;
  }
  if (existsSync(best) && !lstatSync(best).isSymbolicLink()) replaceDir(tmp, best);
  else renameSync(tmp, best);
  fsyncPath(runDir);
}

/** The best-validation checkpoint (the folder it resolves to) and its step, or null when none was marked. */
export function bestCheckpoint(runDir: string): { step: number; dir: string } | null {
  const best = join(runDir, BEST_CHECKPOINT_NAME);
  restoreInterruptedReplace(best);
  if (!existsSync(best)) return null;
  const dir = lstatSync(best).isSymbolicLink() ? join(runDir, readlinkSync(best)) : best;
  const state = parseTrainerState(
    readJson(dir, CHECKPOINT_FILES.trainerState),
    join(dir, CHECKPOINT_FILES.trainerState),
  );
  return { step: state.step, dir };
}

/**
 * Deletes all but the newest keepLast step checkpoints, never the one `best` links to, plus leftovers of saves
 * interrupted in processes that no longer run. Returns the removed paths.
 */
export function pruneCheckpoints(runDir: string, keepLast: number): string[] {
  if (!Number.isInteger(keepLast) || keepLast < 0)
    throw new RangeError(`pruneCheckpoints: keepLast must be a non-negative integer, got ${keepLast}`);
  const all = listCheckpoints(runDir);
  const best = join(runDir, BEST_CHECKPOINT_NAME);
  const protectedDir =
    existsSync(best) && lstatSync(best).isSymbolicLink() ? join(runDir, readlinkSync(best)) : null;
  const removed: string[] = [];
  for (const { dir } of all.slice(0, Math.max(0, all.length - keepLast))) {
    if (dir === protectedDir) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  for (const name of readdirSync(runDir)) {
    const leftover = LEFTOVER_NAME.exec(name);
    if (leftover && !isProcessAlive(Number(leftover[3]))) {
      rmSync(join(runDir, name), { recursive: true, force: true });
      removed.push(join(runDir, name));
    }
  }
  return removed;
}

/** Moves a fully written folder into place, keeping the previous one until the new one is there. */
function replaceDir(tmp: string, dir: string): void {
  if (existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, dir);
  }
  fsyncPath(dirname(dir));
}

/** If a crash fell between the two renames of replaceDir, the previous folder is still there under .old-<pid>. */
function restoreInterruptedReplace(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const prefix = `${basename(dir)}.old-`;
  const old = readdirSync(parent).find((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)));
  if (old) renameSync(join(parent, old), dir);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
