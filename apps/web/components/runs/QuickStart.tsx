"use client";

import { useRouter } from "next/navigation";
import { trpc } from "@/lib/trpc";
import { errorText } from "../annotation/errorText";

/** One click on a fresh install: example data, a snapshot, and the pretrain -> SFT -> reward model + DPO chain. */
export function QuickStart() {
  const router = useRouter();
  const utils = trpc.useUtils();
  const start = trpc.training.quickStart.useMutation({
    onSuccess: async () => {
      await utils.training.list.invalidate();
      router.push("/runs");
    },
  });
  return (
    <section className="card" aria-labelledby="quick-start-title">
      <h2 id="quick-start-title">Quick start</h2>
      <p className="small">
        Imports the bundled example prompts, answers and rankings, freezes a snapshot of them, then pretrains
        a tiny base model, fine-tunes it (SFT), and trains a reward model and a DPO policy from the SFT model:
        four runs, each registered and evaluated in the model registry. About three minutes on two cores.
      </p>
      <button className="button" onClick={() => start.mutate()} disabled={start.isPending || start.isSuccess}>
        {start.isPending ? "Starting…" : "Quick start"}
      </button>
      <p role="alert" className="error">
        {errorText(start.error)}
      </p>
    </section>
  );
}
