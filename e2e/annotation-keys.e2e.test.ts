// Keyboard-only ranking (Ctrl+Enter submits) and review (A accepts, R rejects) in a real browser, checked in what
// the server then reports. The queues are shared with the other browser tests on the same platform, so each
// person first skips, over HTTP, whatever is not this test's own (tagged) item, and the test leaves nothing of its
// own in any queue: its ranking item reaches its overlap with ties (which give no preference pair), and both
// reviewed prompts are decided.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";
import { signInOverHttp, trpcCall, type HttpSession } from "./http";
import { signedIn, type Account } from "./session";

const webUrl = inject("webUrl");
const tag = Math.random().toString(36).slice(2, 8);
let browser: Browser;
let admin: HttpSession;

beforeAll(async () => {
  browser = await launchChromium();
  admin = await signIn({ email: "admin@example.com", password: E2E_PASSWORD });
});
afterAll(() => browser?.close());

async function signIn(account: Account): Promise<HttpSession> {
  const result = await signInOverHttp(webUrl, account.email, account.password);
  if (!("session" in result)) throw new Error(`sign-in of ${account.email} failed: ${result.error}`);
  return result.session;
}

/** A new person with this role, invited by the admin and signed in over HTTP. */
async function newPerson(name: string, role: "ANNOTATOR" | "REVIEWER") {
  const account = { email: `${name}-${tag}@test.local`, password: `${name} password ${tag}` };
  const invite = await trpcCall(webUrl, admin, "account.createInvite", { email: account.email, role });
  const token = (invite.data as { path: string } | undefined)?.path.split("/").pop();
  if (!token) throw new Error(`invitation for ${account.email} failed: ${invite.error}`);
  const accepted = await trpcCall(webUrl, null, "account.acceptInvite", {
    token,
    name,
    password: account.password,
  });
  if (accepted.status !== 200) throw new Error(`${account.email} could not accept: ${accepted.error}`);
  return { account, session: await signIn(account) };
}

interface HeldTask {
  id: string;
  prompt: { messages: { content: string }[] };
  responses: { id: string }[];
}

/**
 * Skips tasks of this kind that are not about this test's items, until the person holds one that is; the page
 * then shows that held task. Null when the queue has none of ours left.
 */
async function holdOwnTask(session: HttpSession, kind: "RANK" | "REVIEW"): Promise<HeldTask | null> {
  for (let skipped = 0; skipped <= 100; skipped++) {
    const next =
      kind === "REVIEW"
        ? await trpcCall(webUrl, session, "review.nextTask", undefined)
        : await trpcCall(webUrl, session, "annotation.nextTask", { kind });
    const task = (next.data as { task: HeldTask | null } | undefined)?.task;
    if (next.status !== 200) throw new Error(`${kind} nextTask failed: ${next.error}`);
    if (!task) return null;
    if (task.prompt.messages.some((m) => m.content.includes(tag))) return task;
    const skip = await trpcCall(webUrl, session, "annotation.skipTask", {
      taskId: task.id,
      reason: "not this test's item",
    });
    if (skip.status !== 200) throw new Error(`skipping ${kind} task failed: ${skip.error}`);
  }
  throw new Error(`no ${kind} task for this test's items after 100 skips`);
}

const pageOf = (account: Account) => signedIn(browser, webUrl, account);

describe("keyboard shortcuts in ranking and review", () => {
  it("ranking: T ties two answers and Ctrl+Enter submits; the ranking is saved with the tie", async () => {
    await trpcCall(webUrl, admin, "datasets.importJsonl", {
      submissionId: crypto.randomUUID(),
      fileText: JSON.stringify({
        prompt: `Keys ${tag}: pick a colour`,
        responses: [{ text: `Keys ${tag}: red` }, { text: `Keys ${tag}: blue` }],
      }),
    });
    const ranker = await newPerson("ranker", "ANNOTATOR");
    const held = await holdOwnTask(ranker.session, "RANK");
    expect(held?.responses).toHaveLength(2);

    const page = await pageOf(ranker.account);
    await page.goto(`${webUrl}/annotate/rank`);
    await page.getByText(`Keys ${tag}: pick a colour`).waitFor();
    await page.locator("article.rank-card").first().focus();
    await page.keyboard.press("t");
    await expect
      .poll(() => page.locator("article.rank-card").last().getAttribute("aria-label"))
      .toMatch(/tied/);
    await page.keyboard.press("Control+Enter");
    await page.getByRole("status").filter({ hasText: "Ranking saved" }).waitFor();

    const mine = await trpcCall(webUrl, ranker.session, "annotation.mySubmissions", undefined, "GET");
    const rankings = (mine.data as { rankings: { order: string[][] }[] }).rankings;
    expect(rankings).toHaveLength(1);
    expect(rankings[0].order.map((group) => [...group].sort())).toEqual([
      held!.responses.map((r) => r.id).sort(),
    ]);

    // Fill the item's overlap with more ties, so no later test is handed it to rank.
    const policy = await trpcCall(webUrl, ranker.session, "annotation.policy", undefined, "GET");
    const { overlap } = policy.data as { overlap: number };
    for (let i = 1; i < overlap; i++) {
      const other = await newPerson(`ranker${i}`, "ANNOTATOR");
      const task = await holdOwnTask(other.session, "RANK");
      if (!task) throw new Error(`ranker ${i} was not given this test's item`);
      const submitted = await trpcCall(webUrl, other.session, "annotation.submitRanking", {
        submissionId: crypto.randomUUID(),
        taskId: task.id,
        ranking: [task.responses.map((r) => r.id)],
        labels: {},
      });
      expect(submitted.error).toBeUndefined();
    }
  });

  it("review: A accepts one prompt, R rejects the other with its reason, and the author sees both", async () => {
    const author = await newPerson("author", "ANNOTATOR");
    for (const n of [1, 2]) {
      const created = await trpcCall(webUrl, author.session, "annotation.createPrompt", {
        submissionId: crypto.randomUUID(),
        messages: [{ role: "user", content: `Review keys ${tag}: question ${n}?` }],
        language: "en",
      });
      expect(created.error).toBeUndefined();
    }
    const reviewer = await newPerson("reviewer", "REVIEWER");
    const page = await pageOf(reviewer.account);

    /** Holds this test's next item and shows it in the page; its prompt text. */
    const showOwnItem = async (page: Page) => {
      const task = await holdOwnTask(reviewer.session, "REVIEW");
      if (!task) throw new Error("this test's prompts never reached the review queue");
      await page.goto(`${webUrl}/review`);
      await page.locator(`[data-review-task="${task.id}"]`).waitFor();
      return task.prompt.messages[0].content;
    };

    const accepted = await showOwnItem(page);
    await page.locator("h1").click();
    await page.keyboard.press("a");
    await page.getByRole("status").filter({ hasText: "Acceptance saved" }).waitFor();

    const rejected = await showOwnItem(page);
    const reason = `Too vague (${tag})`;
    await page.getByLabel("Reason (needed to reject)").fill(reason);
    await page.locator("h1").click();
    await page.keyboard.press("r");
    await page.getByRole("status").filter({ hasText: "Rejection saved" }).waitFor();
    expect(await holdOwnTask(reviewer.session, "REVIEW")).toBeNull();

    const mine = await trpcCall(webUrl, author.session, "annotation.mySubmissions", undefined, "GET");
    const prompts = (
      mine.data as {
        prompts: { messages: { content: string }[]; reviewState: string; rejectionReasons: string[] }[];
      }
    ).prompts;
    const byText = (text: string) => prompts.find((p) => p.messages[0].content === text);
    expect(byText(accepted)).toMatchObject({ reviewState: "ACCEPTED", rejectionReasons: [] });
    expect(byText(rejected)).toMatchObject({ reviewState: "REJECTED", rejectionReasons: [reason] });
  });
});
