import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";
import { PHONE } from "./session";

const webUrl = inject("webUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

async function signIn(page: Page, email: string, password = E2E_PASSWORD) {
  await page.goto(`${webUrl}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("walking skeleton in a real browser", () => {
  it("an admin is refused with a wrong password, then signs in and finds the run and model pages", async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, "admin@example.com", "not-the-password");
    await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();

    await signIn(page, "admin@example.com");
    await page.getByRole("heading", { name: "Training runs" }).waitFor();
    await page.getByRole("link", { name: "New run" }).click();
    await page.getByRole("heading", { name: "New training run" }).waitFor();
    await page.getByRole("navigation").getByRole("link", { name: "Models" }).click();
    await page.getByRole("heading", { name: "Models" }).waitFor();
  });

  it("an annotator on a phone sees no admin controls and is turned away from the admin pages and API", async () => {
    const page = await (await browser.newContext({ viewport: PHONE })).newPage();
    await signIn(page, "annotator1@example.com");
    await page.getByRole("heading", { name: "Training runs" }).waitFor();
    expect(await page.getByRole("link", { name: "New run" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    for (const path of ["/admin", "/runs/new"]) {
      await page.goto(`${webUrl}${path}`);
      expect(new URL(page.url()).pathname).toBe("/runs");
      await page.getByRole("status").filter({ hasText: "needs the ADMIN role" }).waitFor();
    }

    const statuses = await page.evaluate(async () => {
      const post = (path: string) =>
        fetch(`/api/trpc/${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: { id: "any" } }),
        }).then((response) => response.status);
      return [await post("training.start"), await post("training.cancel")];
    });
    expect(statuses).toEqual([403, 403]);
  });
});
