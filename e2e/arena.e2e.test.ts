// The arena in a real browser: an admin publishes two registered models, a user battles them (both answers
// stream side by side), votes, sees the names and the leaderboard move, and the vote lands in the next snapshot
// as a preference pair.
import { readFileSync } from "node:fs";
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

const account = (email: string) => ({ email, password: E2E_PASSWORD });

/** A leaderboard row's cells: rank, model, rating, interval, Elo, battles. */
async function leaderboardRow(page: Page, version: string) {
  const row = page
    .getByTestId("leaderboard")
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: version, exact: true }) });
  if ((await row.count()) === 0) return null;
  const [rank, , rating, , elo, battles] = await row.getByRole("cell").allInnerTexts();
  return { rank: Number(rank), rating: Number(rating), elo: Number(elo), battles: Number(battles) };
}

describe("the arena in a real browser", () => {
  it("battles two published models, streams both answers, reveals the names on the vote, rates them, and snapshots the pair", async () => {
    const versions = await importChatModels(webUrl, ["arena-e2e-north", "arena-e2e-south"]);

    const admin = await signedIn(browser, webUrl, account("admin@example.com"));
    await admin.goto(`${webUrl}/arena`);
    const published = admin.getByLabel("Arena administration");
    for (const version of versions) {
      await published.getByLabel("Version to publish").selectOption({ label: version });
      await published.getByRole("button", { name: "Publish", exact: true }).click();
      await published.getByRole("listitem").filter({ hasText: version }).waitFor();
    }

    const user = await signedIn(browser, webUrl, account("annotator1@example.com"));
    await user.goto(`${webUrl}/arena`);
    // loaded, and no battle of these models rated yet
    await user.getByText(/No battles have been voted on yet|battles counted/).waitFor();
    for (const version of versions) expect(await leaderboardRow(user, version)).toBeNull();

    await watchAnswers(user);
    const prompt = "Tell me about the cat that sat on the mat.";
    await user.getByLabel("Prompt").fill(prompt);
    await user.getByRole("button", { name: "New battle" }).click();
    const answers = (["A", "B"] as const).map((side) => user.getByLabel(`Answer ${side}`, { exact: true }));
    for (const answer of answers)
      await expect.poll(() => answer.getAttribute("data-status"), { timeout: 60_000 }).toBe("done");
    const [textA, textB] = await Promise.all(answers.map((a) => a.locator(".answer-text").textContent()));
    const states = await takeAnswerStates(user);
    expect(streamedPartly(states["Answer A"], textA!.length)).toBe(true);
    expect(streamedPartly(states["Answer B"], textB!.length)).toBe(true);
    // anonymous until the vote
    expect(await user.getByTestId("name-a").count()).toBe(0);

    await user.getByRole("button", { name: "A is better" }).click();
    const notice = user.getByRole("status").filter({ hasText: "Thanks for voting." });
    await notice.waitFor();
    expect(await notice.innerText()).not.toContain("does not count");
    const nameOf = async (side: "a" | "b") =>
      (await user.getByTestId(`name-${side}`).innerText()).replace(/^:\s*/, "");
    const [winner, loser] = [await nameOf("a"), await nameOf("b")];
    expect([winner, loser].sort()).toEqual([...versions].sort());

    // one counted battle: one battle each, the winner rated above the loser, Elo moved by k/2 = 2 each way
    await expect
      .poll(() => leaderboardRow(user, winner), { timeout: 30_000 })
      .toMatchObject({ battles: 1, elo: 1002 });
    const [won, lost] = [await leaderboardRow(user, winner), await leaderboardRow(user, loser)];
    expect(lost).toMatchObject({ battles: 1, elo: 998 });
    expect(won!.rating).toBeGreaterThan(lost!.rating);

    // the vote as training data: the next snapshot holds the pair, A's answer chosen
    await admin.goto(`${webUrl}/datasets`);
    await admin.getByLabel("Name").fill("e2e arena votes");
    await admin.getByRole("button", { name: "Make snapshot" }).click();
    const snapshot = admin.getByTestId("snapshot").filter({ hasText: "e2e arena votes" });
    await snapshot.waitFor();
    expect(await snapshot.innerText()).toMatch(/preference\/arena 1\b/);
    const [download] = await Promise.all([
      admin.waitForEvent("download"),
      snapshot.getByRole("button", { name: "preference.jsonl" }).click(),
    ]);
    const pairs = readFileSync((await download.path())!, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { prompt: unknown });
    expect(pairs.filter((pair) => pair.prompt === prompt)).toEqual([
      { prompt, chosen: textA, rejected: textB },
    ]);
  }, 300_000);
});
