// The annotation flow in a real browser, shared by the e2e test: import, prompt, answer, keyboard ranking with a
// tie and a spam flag, review, snapshot download. Each person uses a fresh browser context.
import { readFile } from "node:fs/promises";
import type { Browser, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { PHONE, signedIn, type Account } from "./session";

const SCRIPT_TEXT = "<script>window.__xss = 1</script>";
const IMPORT = [
  {
    prompt: "E2E: which answer is best?",
    responses: [
      { text: "Alpha answer." },
      { text: `Beta answer ${SCRIPT_TEXT}` },
      { text: "Gamma: buy cheap pills!" },
    ],
  },
  { prompt: "E2E: name the capital of France." },
]
  .map((line) => JSON.stringify(line))
  .join("\n");

/** Presses Tab until the element matching `selector` has the focus: the keyboard-only way to reach it. */
async function tabTo(page: Page, selector: string) {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

/**
 * Skips, with a reason, the tasks that other browser tests' imports put ahead of this flow's own (the training
 * test's demonstrations, the example file's model answers), until `own` is on the page.
 */
async function skipOthers(page: Page, heading: string, own: Locator) {
  for (let skipped = 0; ; skipped++) {
    await page.getByRole("heading", { name: heading }).waitFor();
    if (await own.isVisible()) return;
    if (skipped === 100) throw new Error(`this flow's own task never came up under "${heading}"`);
    const before = await page.locator(".conversation").first().textContent();
    await page.getByText("Skip this task").click();
    await page.getByLabel("Reason for skipping").fill("kept for another step");
    await page.getByRole("button", { name: "Skip", exact: true }).click();
    await page.waitForFunction(
      (text) => document.querySelector(".conversation")?.textContent !== text,
      before,
    );
  }
}

export async function annotationFlow(
  browser: Browser,
  base: string,
  people: { admin: Account; annotator: Account; reviewer: Account },
) {
  // An admin imports a prompt with three answers (one carrying a script tag) and a prompt without answers.
  const admin = await signedIn(browser, base, people.admin);
  await admin.goto(`${base}/datasets`);
  await admin.getByLabel("JSONL text").fill(IMPORT);
  await admin.getByRole("button", { name: "Import" }).click();
  await admin.getByText(/Prompts: 2 new/).waitFor();

  // The annotator writes a prompt...
  // The annotator works on a phone-sized screen.
  const annotator = await signedIn(browser, base, people.annotator, PHONE);
  await annotator.goto(`${base}/annotate/prompt`);
  await annotator.locator('textarea[name="message-0"]').fill("E2E: how do rainbows form?");
  await annotator.getByRole("button", { name: "Submit prompt" }).click();
  await annotator.getByText(/Saved\. Thank you/).waitFor();

  // ...answers the answerless prompt, skipping with a reason the one meant for ranking and any prompt other
  // browser tests running at the same time imported...
  await annotator.goto(`${base}/annotate/answer`);
  await skipOthers(annotator, "Answer this prompt", annotator.getByText("E2E: name the capital of France."));
  await annotator.locator('textarea[name="answer"]').fill("**Paris** is the capital of France.");
  await annotator.getByLabel("Preview").locator("strong", { hasText: "Paris" }).waitFor();
  await annotator.getByRole("button", { name: "Submit answer" }).click();

  // ...and ranks three answers with only the keyboard: Alpha and Beta tied first, Gamma last and flagged as spam.
  await annotator.goto(`${base}/annotate/rank`);
  await skipOthers(annotator, "Rank the answers", annotator.getByText("E2E: which answer is best?"));
  const letterOf = async (text: string) =>
    (await annotator.locator("article.rank-card", { hasText: text }).getAttribute("data-answer"))!;
  const [alpha, beta, gamma] = [
    await letterOf("Alpha answer."),
    await letterOf("Beta answer"),
    await letterOf("Gamma:"),
  ];
  // The script tag is shown as text and never runs.
  await annotator.getByText(SCRIPT_TEXT, { exact: false }).waitFor();
  expect(await annotator.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  expect(await annotator.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );

  const card = (letter: string) => `article.rank-card[data-answer="${letter}"]`;
  // Bring Gamma to the bottom, Alpha to the top, then tie Beta with Alpha.
  for (let i = 0; i < 2; i++) {
    await tabTo(annotator, card(gamma));
    await annotator.keyboard.press("ArrowDown");
  }
  for (let i = 0; i < 2; i++) {
    await tabTo(annotator, card(alpha));
    await annotator.keyboard.press("ArrowUp");
  }
  await tabTo(annotator, card(beta));
  await annotator.keyboard.press("t");
  await tabTo(annotator, card(gamma));
  await annotator.keyboard.press("s");
  await expect
    .poll(() => annotator.locator(card(gamma)).getAttribute("aria-label"))
    .toMatch(/rank 3, flagged spam/);
  await expect.poll(() => annotator.locator(card(beta)).getAttribute("aria-label")).toMatch(/rank 1, tied/);
  await tabTo(annotator, 'button[data-action="submit-ranking"]');
  await annotator.keyboard.press("Enter");
  await annotator.getByText(/Ranking saved/).waitFor();

  // The reviewer accepts everything in the queue: the annotator's prompt and answer, and whatever earlier browser
  // tests left there.
  const reviewer = await signedIn(browser, base, people.reviewer);
  await reviewer.goto(`${base}/review`);
  const reviewed: string[] = [];
  const empty = reviewer.getByText(/review queue is empty/);
  const item = reviewer.locator("[data-review-task]");
  for (;;) {
    await empty.or(item).waitFor();
    if (await empty.isVisible()) break;
    const taskId = await item.getAttribute("data-review-task");
    reviewed.push((await item.textContent()) ?? "");
    await reviewer.getByRole("button", { name: "Accept" }).click();
    // The next item (or the empty queue) replaces the reviewed one.
    await reviewer.waitForFunction(
      (previous) =>
        document.querySelector("[data-review-task]")?.getAttribute("data-review-task") !== previous,
      taskId,
    );
  }
  expect(reviewed.filter((text) => text.includes("E2E: how do rainbows form?"))).toHaveLength(1);
  expect(reviewed.filter((text) => text.includes("is the capital of France"))).toHaveLength(1);

  // The admin freezes a snapshot of accepted data and downloads the preference file.
  await admin.goto(`${base}/datasets`);
  await admin.getByLabel("Name").fill("e2e snapshot");
  await admin.getByRole("button", { name: "Make snapshot" }).click();
  const snapshot = admin.getByTestId("snapshot").filter({ hasText: "e2e snapshot" });
  await snapshot.waitFor();
  const [download] = await Promise.all([
    admin.waitForEvent("download"),
    snapshot.getByRole("button", { name: "preference.jsonl" }).click(),
  ]);
  // Only this flow's pairs: other browser tests (the arena's vote) may have added their own.
  const pairs = (await readFile((await download.path())!, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((pair) => pair.prompt === "E2E: which answer is best?");
  expect(pairs).toHaveLength(2);
  expect(pairs.every((p) => p.rejected === "Gamma: buy cheap pills!")).toBe(true);
  expect(pairs.map((p) => p.chosen).sort()).toEqual(["Alpha answer.", `Beta answer ${SCRIPT_TEXT}`]);
}
