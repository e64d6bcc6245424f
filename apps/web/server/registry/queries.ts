// Read side of the model registry for the pages: lists with filters, a model with its versions and
// evaluations, and two versions' metrics side by side.
import { TRPCError } from "@trpc/server";
import type { Prisma, PrismaClient } from "@rlhf/db";
import type { EvaluationSample, ModelKind } from "@rlhf/shared";

export interface ModelFilters {
  kind?: ModelKind;
  /** Part of the model's name, any case. */
  search?: string;
  /** Only models that have this alias (e.g. champion). */
  alias?: string;
}

const evaluationSelect = {
  id: true,
  status: true,
  metrics: true,
  samples: true,
  error: true,
  createdAt: true,
  finishedAt: true,
  judgeVersion: { select: { id: true, version: true, model: { select: { id: true, name: true } } } },
} as const;

type EvaluationRow = Prisma.ModelEvaluationGetPayload<{ select: typeof evaluationSelect }>;

/** An evaluation with its JSON columns typed. */
function evaluationView(row: EvaluationRow) {
  return {
    ...row,
    metrics: (row.metrics ?? {}) as Record<string, number>,
    samples: (row.samples ?? []) as unknown as EvaluationSample[],
  };
}
export type EvaluationView = ReturnType<typeof evaluationView>;

export async function listModels(prisma: PrismaClient, filters: ModelFilters) {
  const models = await prisma.model.findMany({
    where: {
      kind: filters.kind,
      ...(filters.search && { name: { contains: filters.search, mode: "insensitive" as const } }),
      ...(filters.alias && { aliases: { some: { name: filters.alias } } }),
    },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: {
      id: true,
      name: true,
      kind: true,
      createdAt: true,
      aliases: { select: { name: true, version: { select: { version: true } } } },
      _count: { select: { versions: true } },
      versions: {
        orderBy: { version: "desc" },
        take: 1,
        select: {
          id: true,
          version: true,
          createdAt: true,
          evaluations: { orderBy: { createdAt: "desc" }, take: 1, select: evaluationSelect },
        },
      },
    },
  });
  return models.map(({ versions, _count, aliases, ...model }) => {
    const latest = versions[0] ?? null;
    const evaluation = latest?.evaluations[0];
    return {
      ...model,
      versionCount: _count.versions,
      aliases: aliases.map((a) => ({ name: a.name, version: a.version.version })),
      latest: latest && {
        id: latest.id,
        version: latest.version,
        createdAt: latest.createdAt,
        evaluation: evaluation ? evaluationView(evaluation) : null,
      },
    };
  });
}

const versionRef = {
  select: { id: true, version: true, model: { select: { id: true, name: true } } },
} as const;

export async function getModel(prisma: PrismaClient, id: string) {
  const model = await prisma.model.findUnique({
    where: { id },
    select: {
      id: true,
      name: true,
      kind: true,
      description: true,
      createdAt: true,
      createdBy: { select: { name: true } },
      aliases: { select: { name: true, versionId: true, updatedAt: true }, orderBy: { name: "asc" } },
      versions: {
        orderBy: { version: "desc" },
        select: {
          id: true,
          version: true,
          createdAt: true,
          card: true,
          architecture: true,
          exportDir: true,
          run: { select: { id: true, kind: true, status: true } },
          snapshot: { select: { id: true, name: true } },
          parentVersion: versionRef,
          evaluations: { orderBy: { createdAt: "desc" }, take: 1, select: evaluationSelect },
        },
      },
    },
  });
  if (!model) throw new TRPCError({ code: "NOT_FOUND", message: `no model ${id}` });
  return {
    ...model,
    versions: model.versions.map(({ evaluations, architecture, ...version }) => ({
      ...version,
      architecture: architecture as Record<string, unknown> | null,
      evaluation: evaluations[0] ? evaluationView(evaluations[0]) : null,
    })),
  };
}

/** The latest value of every training metric of the run that made a version (empty for an import). */
async function finalRunMetrics(prisma: PrismaClient, runId: string | null): Promise<Record<string, number>> {
  if (!runId) return {};
  const rows = await prisma.runMetric.findMany({
    where: { runId },
    distinct: ["name"],
    orderBy: [{ name: "asc" }, { step: "desc" }],
    select: { name: true, value: true },
  });
  return Object.fromEntries(rows.map((row) => [row.name, row.value]));
}

async function versionForComparison(prisma: PrismaClient, versionId: string) {
  const version = await prisma.modelVersion.findUnique({
    where: { id: versionId },
    select: {
      id: true,
      version: true,
      runId: true,
      createdAt: true,
      model: { select: { id: true, name: true, kind: true } },
      evaluations: {
        where: { status: "SUCCEEDED" },
        orderBy: { createdAt: "desc" },
        take: 1,
        select: evaluationSelect,
      },
    },
  });
  if (!version) throw new TRPCError({ code: "NOT_FOUND", message: `no model version ${versionId}` });
  const { evaluations, ...rest } = version;
  const evaluation = evaluations[0] ? evaluationView(evaluations[0]) : null;
  return { ...rest, evaluation, training: await finalRunMetrics(prisma, version.runId) };
}

/**
 * Two versions side by side: one row per metric either has (evaluation metrics first, then the final value of
 * each training metric), with both values, and their sample generations paired by prompt and seed.
 */
export async function compareVersions(prisma: PrismaClient, aId: string, bId: string) {
  const [a, b] = await Promise.all([versionForComparison(prisma, aId), versionForComparison(prisma, bId)]);
  const rows = (source: "evaluation" | "training") => {
    const of = (v: typeof a) => (source === "evaluation" ? (v.evaluation?.metrics ?? {}) : v.training);
    const names = [...new Set([...Object.keys(of(a)), ...Object.keys(of(b))])].sort();
    return names.map((name) => ({ source, name, a: of(a)[name] ?? null, b: of(b)[name] ?? null }));
  };
  const samplesOf = (v: typeof a) =>
    new Map((v.evaluation?.samples ?? []).map((s) => [`${s.promptId}:${s.seed}`, s]));
  const [samplesA, samplesB] = [samplesOf(a), samplesOf(b)];
  const samples = [...samplesA].flatMap(([key, sample]) => {
    const other = samplesB.get(key);
    return other ? [{ prompt: sample.prompt, seed: sample.seed, a: sample.text, b: other.text }] : [];
  });
  return { a, b, metrics: [...rows("evaluation"), ...rows("training")], samples };
}
