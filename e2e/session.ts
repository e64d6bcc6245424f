// Signing in through the real sign-in page, one fresh browser context per person.
import type { Browser, Page } from "playwright-core";

export interface Account {
  email: string;
  password: string;
}

export const PHONE = { width: 390, height: 844 };

export async function signedIn(
  browser: Browser,
  base: string,
  account: Account,
  viewport?: typeof PHONE,
): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true, viewport });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.log("browser page error:", error.message));
  await page.goto(`${base}/signin`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  return page;
}
