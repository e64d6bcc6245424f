/** What a frozen snapshot selected, as far as explaining its files needs. */
export interface SnapshotSummary {
  prompts: number;
  responses: number;
  /** Answers worth imitating: written by annotators or imported without a model name. */
  demonstrations: number;
  rankings: number;
  sft: number;
  preference: number;
  text: number;
}

export type SnapshotFileExplanations = Partial<
  Record<"sft.jsonl" | "preference.jsonl" | "text.jsonl", string>
>;

function whyNoDemonstrations(s: SnapshotSummary): string {
  if (s.prompts === 0) return "no accepted prompt matches the snapshot's filters";
  if (s.responses === 0) return "no selected prompt has an accepted answer yet";
  return "the selected answers are model outputs (imported with a model name), which go to ranking, not to SFT; write demonstrations or import answers without a model name";
}

/**
 * Why each empty file of a snapshot is empty, in words an admin can act on; the snapshot's manifest stores them
 * (`explanations`) and the snapshot page and the run form show them.
 */
export function explainEmptySnapshotFiles(s: SnapshotSummary): SnapshotFileExplanations {
  const explanations: SnapshotFileExplanations = {};
  if (s.sft === 0) explanations["sft.jsonl"] = whyNoDemonstrations(s);
  if (s.text === 0)
    explanations["text.jsonl"] = `texts are rendered from SFT conversations, and ${whyNoDemonstrations(s)}`;
  if (s.preference === 0)
    explanations["preference.jsonl"] =
      s.prompts === 0
        ? "no accepted prompt matches the snapshot's filters"
        : s.rankings === 0
          ? "no answer has been ranked yet: preference pairs come from rankings (rank tasks)"
          : "the rankings give no strict preference between two kept answers (ties only, or answers hidden or rejected)";
  return explanations;
}
