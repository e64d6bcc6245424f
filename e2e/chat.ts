// Chat models and streamed answers for the arena and playground tests. The models are tiny engine checkpoints with the chat template's
// tokens (no training: the pages' behaviour, not the text, is under test), imported through the registry's own
// import endpoint as an admin would. The shape makes a token take a few milliseconds on two cores, so that a
// 128-token answer visibly streams and a 512-token one is still running when a person presses Stop.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { writeChatModel } from "../apps/trainer/test/chat-model";
import { E2E_PASSWORD } from "./global-setup";
import { signInOverHttp, trpcCall } from "./http";

const SHAPE = { width: 128, layers: 3, heads: 4, contextLength: 1024 };

/** Imports one model per name (distinct weights each) and returns their version names ("<name> v1"). */
export async function importChatModels(base: string, names: string[]): Promise<string[]> {
  const signedIn = await signInOverHttp(base, "admin@example.com", E2E_PASSWORD);
  if ("error" in signedIn) throw new Error(`admin sign-in failed: ${signedIn.error}`);
  const dir = mkdtempSync(join(tmpdir(), "rlhf-e2e-chat-"));
  try {
    const versions: string[] = [];
    for (const [i, name] of names.entries()) {
      const path = await writeChatModel(dir, i + 1, SHAPE);
      const imported = await trpcCall(base, signedIn.session, "models.importHuggingFace", { path, name });
      if (imported.error) throw new Error(`importing ${name}: ${imported.error}`);
      versions.push(`${name} v${(imported.data as { version: number }).version}`);
    }
    return versions;
  } finally {
    // the import copied the files into the artifact store
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface AnswerState {
  status: string;
  length: number;
}

/**
 * From now on, records every state each streamed answer (`.answer`, named by its aria-label) shows: its status
 * and the length of its text. A streamed answer shows itself running with part of its text first.
 */
export async function watchAnswers(page: Page) {
  await page.evaluate(() => {
    const seen: Record<string, AnswerState[]> = {};
    (window as unknown as { __answers: typeof seen }).__answers = seen;
    new MutationObserver((records) => {
      // an answer removed in the same task as its last change still shows that change
      const answers = new Set(Array.from(document.querySelectorAll<HTMLElement>(".answer[aria-label]")));
      for (const record of records)
        for (const node of Array.from(record.removedNodes))
          if (node instanceof HTMLElement)
            for (const answer of [node, ...Array.from(node.querySelectorAll<HTMLElement>("*"))])
              if (answer.matches(".answer[aria-label]")) answers.add(answer);
      for (const answer of answers) {
        const state = {
          status: answer.dataset.status ?? "",
          length: answer.querySelector(".answer-text")?.textContent?.length ?? 0,
        };
        const states = (seen[answer.getAttribute("aria-label")!] ??= []);
        const last = states.at(-1);
        if (last?.status !== state.status || last.length !== state.length) states.push(state);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

/** The states recorded since the last call (for each answer label), clearing them. */
export function takeAnswerStates(page: Page): Promise<Record<string, AnswerState[]>> {
  return page.evaluate(() => {
    const seen = (window as unknown as { __answers: Record<string, AnswerState[]> }).__answers;
    const taken = structuredClone(seen);
    for (const label of Object.keys(seen)) delete seen[label];
    return taken;
  });
}

/** Whether the answer was seen running with some, but not all, of `finalLength` characters. */
export const streamedPartly = (states: AnswerState[] | undefined, finalLength: number) =>
  (states ?? []).some((s) => s.status === "running" && s.length > 0 && s.length < finalLength);
