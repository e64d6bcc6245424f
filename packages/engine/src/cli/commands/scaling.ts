import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { z } from "zod";
import { chinchillaOptimal, fitScalingLaw } from "../../scaling/chinchilla.js";

const RunsFileSchema = z.array(
  z.strictObject({
    params: z.number().positive(),
    tokens: z.number().positive(),
    loss: z.number().positive(),
    /** Free-form label, ignored by the fit. */
    name: z.string().optional(),
  }),
);

function readRuns(path: string): z.infer<typeof RunsFileSchema> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = RunsFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${path}: ${problems} (expected [{"params", "tokens", "loss"}, ...])`);
  }
  return parsed.data;
}

function parseBudgets(value: string): number[] {
  return value.split(",").map((v) => {
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--compute: "${v}" is not a positive number of FLOPs`);
    return n;
  });
}

export function registerScalingCommands(program: Command): void {
  const scaling = program.command("scaling").description("scaling laws fit to finished runs");
  scaling
    .command("fit")
    .description(
      "fit L(N, D) = E + A/N^alpha + B/D^beta (Chinchilla) to runs and print the compute-optimal split",
    )
    .requiredOption(
      "--runs <file>",
      'JSON array of {"params", "tokens", "loss"} (parameters, training tokens, final loss)',
    )
    .option(
      "--compute <flops>",
      "comma-separated compute budgets in FLOPs to size optimally (C = 6ND)",
      parseBudgets,
    )
    .option("--json", "print one JSON object instead of text")
    .action((opts: { runs: string; compute?: number[]; json?: boolean }) => {
      const runs = readRuns(opts.runs);
      const fit = fitScalingLaw(runs);
      const optimal = (opts.compute ?? []).map((flops) => ({ flops, ...chinchillaOptimal(flops, fit) }));
      if (opts.json) {
        console.log(JSON.stringify({ fit, optimal }));
        return;
      }
      const p = (x: number) => x.toPrecision(4);
      console.log(`L(N, D) = ${p(fit.E)} + ${p(fit.A)} / N^${p(fit.alpha)} + ${p(fit.B)} / D^${p(fit.beta)}`);
      console.log(
        `fit over ${runs.length} runs: rmse ${p(fit.rmse)} (loss units), huber ${p(fit.huberLoss)}`,
      );
      for (const o of optimal)
        console.log(
          `C = ${o.flops.toExponential(2)} FLOPs: N = ${o.params.toExponential(3)}, D = ${o.tokens.toExponential(3)} tokens, loss ${p(o.loss)}`,
        );
    });
}
