// The compare page's data: for each chosen version its latest successful evaluation (metrics and sample answers
// on the platform's fixed evaluation prompts, generated with the same seeds for every model), lined up by
// metric name and by prompt.
import { TRPCError } from "@trpc/server";
import type { PrismaClient } from "@rlhf/db";
import type { EvaluationSample } from "@rlhf/shared";
import { versionName } from "./battles";

export async function compareVersions(prisma: PrismaClient, versionIds: string[]) {
  const unique = [...new Set(versionIds)];
  if (unique.length < 2)
    throw new TRPCError({ code: "BAD_REQUEST", message: "versionIds: pick at least two different versions" });
  const versions = await prisma.modelVersion.findMany({
    where: { id: { in: unique } },
    select: {
      id: true,
      version: true,
      model: { select: { name: true, kind: true } },
      evaluations: { where: { status: "SUCCEEDED" }, orderBy: { finishedAt: "desc" }, take: 1 },
    },
  });
  const missing = unique.filter((id) => !versions.some((v) => v.id === id));
  if (missing.length > 0)
    throw new TRPCError({ code: "NOT_FOUND", message: `versionIds: no model version ${missing.join(", ")}` });
  const columns = unique.map((id) => {
    const v = versions.find((x) => x.id === id)!;
    const evaluation = v.evaluations[0];
    return {
      id,
      name: versionName(v.model.name, v.version),
      kind: v.model.kind,
      evaluated: Boolean(evaluation),
      metrics: (evaluation?.metrics ?? {}) as Record<string, number>,
      samples: (evaluation?.samples ?? []) as unknown as EvaluationSample[],
    };
  });
  const metricNames = [...new Set(columns.flatMap((c) => Object.keys(c.metrics)))].sort();
  const prompts = new Map<string, string>();
  for (const c of columns) for (const s of c.samples) prompts.set(`${s.promptId}:${s.seed}`, s.prompt);
  return {
    versions: columns.map(({ id, name, kind, evaluated }) => ({ id, name, kind, evaluated })),
    metrics: metricNames.map((name) => ({ name, values: columns.map((c) => c.metrics[name] ?? null) })),
    samples: [...prompts.entries()].map(([key, prompt]) => ({
      prompt,
      seed: Number(key.split(":").at(-1)),
      answers: columns.map((c) => c.samples.find((s) => `${s.promptId}:${s.seed}` === key)?.text ?? null),
    })),
  };
}
