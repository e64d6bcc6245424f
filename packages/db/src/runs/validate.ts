// The checks a run's inputs must pass before the run is written: the web router calls validateRunInputs and
// writes nothing when it throws. Each error names the field and what is wrong, in words an admin can act on.
import { existsSync } from "node:fs";
import { RUN_INPUTS, TORCH_JOB_KINDS, type ModelKind, type RunKind, type RunSpec } from "@rlhf/shared";
import type { PrismaClient } from "../index";
import { readCheckpointInfo, type CheckpointInfo } from "./checkpoint-info";
import { readSnapshotManifest, RUN_DATA, runDataLines } from "./snapshot-data";

/** A run input that cannot work; `field` is the spec's path (snapshotId, baseModelVersionId, config.batchSize). */
export class RunInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "RunInputError";
  }
}

export interface ResolvedModel {
  versionId: string;
  modelName: string;
  modelKind: ModelKind;
  version: number;
  info: CheckpointInfo;
}

export interface ResolvedRunInputs {
  snapshot: { id: string; name: string; dir: string; trainCount: number; validationCount: number };
  baseModel: ResolvedModel | null;
  rewardModel: ResolvedModel | null;
}

const KIND_LABEL: Record<RunKind, string> = {
  pretrain: "pretraining",
  sft: "SFT",
  reward: "a reward model",
  dpo: "DPO",
  ppo: "PPO",
};

async function resolveModel(prisma: PrismaClient, field: string, versionId: string): Promise<ResolvedModel> {
  const version = await prisma.modelVersion.findUnique({
    where: { id: versionId },
    include: { model: true },
  });
  if (!version) throw new RunInputError(field, `no model version ${versionId} in the registry`);
  const label = `${version.model.name} v${version.version}`;
  let info: CheckpointInfo;
  try {
    info = readCheckpointInfo(version.artifactDir);
  } catch (error) {
    throw new RunInputError(field, `${label} cannot be read: ${(error as Error).message}`);
  }
  return {
    versionId,
    modelName: version.model.name,
    modelKind: version.model.kind,
    version: version.version,
    info,
  };
}

function checkBaseModel(kind: RunKind, base: ResolvedModel, maxLength: number | undefined): void {
  const label = `${base.modelName} v${base.version}`;
  const field = "baseModelVersionId";
  if (base.modelKind === "REWARD")
    throw new RunInputError(
      field,
      `${label} is a reward model; ${KIND_LABEL[kind]} starts from a language model`,
    );
  if (base.info.tokenizerSize === 0)
    throw new RunInputError(
      field,
      `${label} has no tokenizer.json; post-training needs the model's tokenizer`,
    );
  if (base.info.missingChatTokens.length > 0)
    throw new RunInputError(
      field,
      `the tokenizer of ${label} has no chat tokens (${base.info.missingChatTokens.join(", ")}), so conversations cannot be rendered; pretrain a base whose tokenizer has them (the platform's pretraining adds them)`,
    );
  if (base.info.tokenizerSize > base.info.vocabSize)
    throw new RunInputError(
      field,
      `the vocabulary of ${label} does not match its tokenizer: the tokenizer produces ids up to ${base.info.tokenizerSize - 1} but the model's embedding has ${base.info.vocabSize} rows`,
    );
  if (maxLength !== undefined && maxLength > base.info.contextLength)
    throw new RunInputError(
      "config.maxLength",
      `${maxLength} tokens exceed the context length ${base.info.contextLength} of ${label}; lower maxLength`,
    );
}

/**
 * Resolves a spec's ids and checks that the run can work: the snapshot exists and has the data the kind trains
 * on (enough for one batch), the base model is a language model whose tokenizer renders chats and fits its
 * vocabulary, and a PPO reward model is a reward model over the same vocabulary. Throws RunInputError.
 */
export async function validateRunInputs(prisma: PrismaClient, spec: RunSpec): Promise<ResolvedRunInputs> {
  if (spec.backend === "torch" && !(TORCH_JOB_KINDS as readonly string[]).includes(spec.kind))
    throw new RunInputError(
      "backend",
      `the torch backend does not train ${KIND_LABEL[spec.kind]} (it trains ${TORCH_JOB_KINDS.join(", ")}); use the engine`,
    );
  const snapshot = await prisma.datasetSnapshot.findUnique({ where: { id: spec.snapshotId } });
  if (!snapshot) throw new RunInputError("snapshotId", `no snapshot ${spec.snapshotId}`);
  if (!existsSync(snapshot.artifactPath))
    throw new RunInputError(
      "snapshotId",
      `the files of snapshot "${snapshot.name}" are missing (${snapshot.artifactPath})`,
    );
  const split = runDataLines(snapshot.artifactPath, spec.kind);
  const total = split.train.length + split.validation.length;
  if (total === 0) {
    const explanations = readSnapshotManifest(snapshot.artifactPath).explanations ?? {};
    const why = RUN_DATA[spec.kind].files.map((file) => explanations[file]).filter(Boolean);
    throw new RunInputError(
      "snapshotId",
      `snapshot "${snapshot.name}" has no ${RUN_DATA[spec.kind].what}, which ${KIND_LABEL[spec.kind]} trains on` +
        (why.length > 0 ? ` (${why.join("; ")})` : ""),
    );
  }
  const batchSize = spec.config.batchSize;
  if (spec.kind !== "pretrain" && split.train.length < batchSize)
    throw new RunInputError(
      "config.batchSize",
      `snapshot "${snapshot.name}" has ${split.train.length} training ${RUN_DATA[spec.kind].what} after holding out ${split.validation.length} for validation, fewer than one batch of ${batchSize}; lower batchSize or freeze a larger snapshot`,
    );

  let baseModel: ResolvedModel | null = null;
  let rewardModel: ResolvedModel | null = null;
  if (RUN_INPUTS[spec.kind].baseModel && "baseModelVersionId" in spec) {
    baseModel = await resolveModel(prisma, "baseModelVersionId", spec.baseModelVersionId);
    checkBaseModel(spec.kind, baseModel, "maxLength" in spec.config ? spec.config.maxLength : undefined);
  }
  if (spec.kind === "ppo") {
    rewardModel = await resolveModel(prisma, "rewardModelVersionId", spec.rewardModelVersionId);
    const label = `${rewardModel.modelName} v${rewardModel.version}`;
    if (rewardModel.modelKind !== "REWARD")
      throw new RunInputError(
        "rewardModelVersionId",
        `${label} is not a reward model (kind ${rewardModel.modelKind})`,
      );
    if (baseModel && rewardModel.info.vocabSize !== baseModel.info.vocabSize)
      throw new RunInputError(
        "rewardModelVersionId",
        `the vocabulary of ${label} (${rewardModel.info.vocabSize}) does not match the policy's (${baseModel.info.vocabSize}); PPO needs a reward model trained from the same tokenizer`,
      );
  }
  return {
    snapshot: {
      id: snapshot.id,
      name: snapshot.name,
      dir: snapshot.artifactPath,
      trainCount: split.train.length,
      validationCount: split.validation.length,
    },
    baseModel,
    rewardModel,
  };
}
