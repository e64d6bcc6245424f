import { afterAll, beforeAll, describe, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { annotationFlow } from "./annotationFlow";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";

const webUrl = inject("webUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

describe("annotation in a real browser", () => {
  it("import, prompt, answer, keyboard ranking with a tie and a spam flag, review, snapshot download", async () => {
    const account = (email: string) => ({ email, password: E2E_PASSWORD });
    await annotationFlow(browser, webUrl, {
      admin: account("admin@example.com"),
      annotator: account("annotator2@example.com"),
      reviewer: account("reviewer@example.com"),
    });
  });
});
