// The annotator experience in a real browser: an invitation accepted, guidelines beside the task, the empty label
// refused, a draft surviving a reload, keyboard shortcuts and their help, the toast and progress counter, the
// leaderboard's names on a phone, and a password change that ends the old session.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";
import { signInOverHttp, trpcCall, type HttpSession } from "./http";
import { PHONE, signedIn } from "./session";

const webUrl = inject("webUrl");
let browser: Browser;
let admin: HttpSession;

beforeAll(async () => {
  browser = await launchChromium();
  const session = await signInOverHttp(webUrl, "admin@example.com", E2E_PASSWORD);
  if (!("session" in session)) throw new Error(`admin sign-in failed: ${session.error}`);
  admin = session.session;
});
afterAll(() => browser?.close());

/** An admin invites a new annotator in the People page; the invitee accepts in a fresh context. */
async function inviteInBrowser(email: string, password: string) {
  const adminPage = await signedIn(browser, webUrl, { email: "admin@example.com", password: E2E_PASSWORD });
  await adminPage.goto(`${webUrl}/datasets/people`);
  await adminPage.getByLabel("Invitee email").fill(email);
  await adminPage.getByRole("button", { name: "Create invitation link" }).click();
  const link = await adminPage.getByLabel("Invitation link").textContent();
  await adminPage.context().close();

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link!);
  await invitee.getByText(`Invited as ${email}`).waitFor();
  await invitee.getByLabel("Your name").fill("Uma UX");
  await invitee.getByLabel("Choose a password").fill(password);
  await invitee.getByRole("button", { name: "Create my account" }).click();
  await invitee.getByText(/is ready/).waitFor();
  await invitee.context().close();
}

const checked = (page: Page, selector: string) => page.locator(selector).isChecked();

describe("annotator experience in a real browser", () => {
  it("invitation, guidelines, empty label, draft, shortcuts, toast, phone leaderboard, password change", async () => {
    await trpcCall(webUrl, admin, "datasets.saveGuidelines", {
      tasks: { LABEL: "Label **carefully**: read the whole answer." },
      likert: { quality: ["useless", "poor", "fair", "good", "excellent"] },
    });
    const tag = Math.random().toString(36).slice(2, 8);
    await trpcCall(webUrl, admin, "datasets.importJsonl", {
      submissionId: crypto.randomUUID(),
      fileText: JSON.stringify({ prompt: `UX ${tag}: say hi`, responses: [{ text: `UX ${tag}: hi!` }] }),
    });

    const email = `uma-${tag}@test.local`;
    await inviteInBrowser(email, "uma first password");
    const page = await signedIn(browser, webUrl, { email, password: "uma first password" });

    await page.goto(`${webUrl}/annotate/label`);
    await page.getByRole("complementary", { name: "Guidelines" }).getByText("carefully").waitFor();
    await page.getByRole("button", { name: "Submit labels" }).click();
    await page.getByRole("alert").filter({ hasText: "answer at least one question" }).waitFor();

    // Keys: 4 scores quality (the first unanswered question), s flags spam.
    await page.locator("h1").click();
    await page.keyboard.press("4");
    await page.keyboard.press("s");
    expect(await checked(page, 'input[name="answer-quality"][value="4"]')).toBe(true);
    expect(await checked(page, 'input[name="answer-flag-spam"]')).toBe(true);
    await page.getByText("4 = good").waitFor();

    // The draft survives a reload (the same task comes back, as it is still held).
    await page.reload();
    await page.locator('input[name="answer-quality"][value="4"]:checked').waitFor();
    expect(await checked(page, 'input[name="answer-flag-spam"]')).toBe(true);

    await page.locator("h1").click();
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).getByText("submit").first().waitFor();
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Enter");
    await page.getByRole("status").filter({ hasText: "Labels saved" }).waitFor();
    await page.getByLabel("Progress").filter({ hasText: "Done today: 1" }).waitFor();

    const phone = await signedIn(browser, webUrl, { email, password: "uma first password" }, PHONE);
    await phone.goto(`${webUrl}/annotate/leaderboard`);
    const nameHeader = phone.getByRole("columnheader", { name: "Name" });
    await nameHeader.waitFor();
    expect(await nameHeader.isVisible()).toBe(true);
    const names = phone.locator("tbody tr td:nth-child(2)");
    if ((await names.count()) > 0) expect(await names.first().isVisible()).toBe(true);

    // A password change ends every session: this page's and the phone's.
    await page.goto(`${webUrl}/account`);
    await page.getByLabel("Current password").fill("uma first password");
    await page.getByLabel("New password").fill("uma second password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL((url) => url.pathname === "/signin");
    const status = await phone.evaluate(() =>
      fetch("/api/trpc/annotation.mySubmissions").then((response) => response.status),
    );
    expect(status).toBe(401);
    const again = await signedIn(browser, webUrl, { email, password: "uma second password" });
    await again.goto(`${webUrl}/annotate/mine`);
    await again.getByRole("heading", { name: /Prompts/ }).waitFor();
  });
});
