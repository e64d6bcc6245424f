// The playground in a real browser: a multi-turn chat with a registered model, each answer streamed, one of
// them stopped mid-way by the user, and the chat going on after it.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser";
import { importChatModels, streamedPartly, takeAnswerStates, watchAnswers } from "./chat";
import { E2E_PASSWORD } from "./global-setup";
import { signedIn } from "./session";

const webUrl = inject("webUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const messages = (page: Page, role: "user" | "assistant") =>
  page.getByLabel("Conversation").locator(`[data-role="${role}"]`);

/** Sends `text` and waits until the answer has joined the conversation; the states it showed meanwhile. */
async function say(page: Page, text: string, maxNewTokens: number, during?: () => Promise<void>) {
  const before = await messages(page, "assistant").count();
  await page.getByLabel("Max new tokens").fill(String(maxNewTokens));
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await during?.();
  await expect.poll(() => messages(page, "assistant").count(), { timeout: 60_000 }).toBe(before + 1);
  const answer = (await messages(page, "assistant").last().textContent())!;
  return { answer, states: (await takeAnswerStates(page)).Answer };
}

describe("the playground in a real browser", () => {
  it("chats over several turns with streamed answers, and stops an answer mid-way", async () => {
    const [version] = await importChatModels(webUrl, ["playground-e2e"]);
    const page = await signedIn(browser, webUrl, { email: "reviewer@example.com", password: E2E_PASSWORD });
    await page.goto(`${webUrl}/playground`);
    await page.getByLabel("Model", { exact: true }).selectOption({ label: `${version} (base)` });
    await watchAnswers(page);

    const first = await say(page, "hello there, how are you today?", 128);
    expect(streamedPartly(first.states, first.answer.length)).toBe(true);
    expect(first.states.at(-1)?.status).toBe("done");

    // a long answer, stopped as soon as it shows text: it keeps what it had
    const stopped = await say(page, "what did the cat sit on?", 512, async () => {
      await page.locator('[aria-label="Answer"][data-status="running"] .answer-text:not(:empty)').waitFor();
      await page.getByRole("button", { name: "Stop" }).click();
    });
    expect(stopped.states.at(-1)?.status).toBe("stopped");
    expect(stopped.answer.length).toBeGreaterThan(0);

    const third = await say(page, "thank you", 64);
    expect(third.states.at(-1)?.status).toBe("done");

    expect(await messages(page, "user").allTextContents()).toEqual([
      "hello there, how are you today?",
      "what did the cat sit on?",
      "thank you",
    ]);
    expect(await messages(page, "assistant").allTextContents()).toEqual([
      first.answer,
      stopped.answer,
      third.answer,
    ]);
  }, 180_000);
});
