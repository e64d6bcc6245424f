import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";

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
  it("an admin starts the demo run and watches it finish without reloading", async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, "admin@example.com", "not-the-password");
    await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();

    await signIn(page, "admin@example.com");
    await page.getByRole("heading", { name: "Training runs" }).waitFor();
    await page.getByRole("button", { name: "Start demo run" }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);

    let navigations = 0;
    page.on("framenavigated", (frame) => frame === page.mainFrame() && navigations++);
    const seen = new Set<string>();
    const badge = page.getByTestId("run-status");
    await badge.waitFor();
    while (!["SUCCEEDED", "FAILED"].includes(await badge.innerText())) {
      seen.add(await badge.innerText());
      await page.waitForTimeout(100);
    }
    expect(await badge.innerText()).toBe("SUCCEEDED");
    expect([...seen].some((status) => ["QUEUED", "RUNNING"].includes(status))).toBe(true);
    expect(navigations).toBe(0);
    await page.getByRole("img", { name: "train/loss by step" }).waitFor();
    expect(await page.getByTestId("run-progress").innerText()).toContain("100%");
  });

  it("an annotator on a phone sees no admin controls and is turned away from the admin page and API", async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await signIn(page, "annotator1@example.com");
    await page.getByRole("heading", { name: "Training runs" }).waitFor();
    await page.getByText("SUCCEEDED").first().waitFor();
    expect(await page.getByRole("button", { name: "Start demo run" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    await page.goto(`${webUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe("/runs");
    await page.getByRole("status").filter({ hasText: "needs the ADMIN role" }).waitFor();

    const status = await page.evaluate(async () => {
      const response = await fetch("/api/trpc/training.startDemo", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: {} }),
      });
      return response.status;
    });
    expect(status).toBe(403);
  });
});
