// The loop's middle in a real browser: data in, a snapshot frozen, a tiny base pretrained and fine-tuned with the
// live page watched, cancelled and resumed, the model evaluated and downloaded. Tiny configs keep it to seconds of
// training on two cores.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";
import { signedIn } from "./session";

const webUrl = inject("webUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
/** Demonstrations (imported answers without a model name are SFT lines). */
const DEMONSTRATIONS = Array.from({ length: 16 }, (_, i) => {
  const [a, b] = [i % 10, Math.floor(i / 10)];
  return JSON.stringify({
    prompt: `E2E training: what is ${WORDS[a]} plus ${WORDS[b]}?`,
    responses: [{ text: `${WORDS[a]} plus ${WORDS[b]} is ${a + b}.` }],
  });
}).join("\n");

async function importLines(page: Page, text: string | null, expected: RegExp) {
  if (text === null) {
    await page.getByRole("button", { name: "Load the example file" }).click();
    await expect.poll(() => page.getByLabel("JSONL text").inputValue()).not.toBe("");
  } else await page.getByLabel("JSONL text").fill(text);
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByRole("status").filter({ hasText: expected }).waitFor();
}

/** Fills hyper-parameter fields by their config path, opening the groups (details) they sit in. */
async function fillConfig(page: Page, values: Record<string, string>) {
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split(".");
    for (const group of parts.slice(0, -1)) {
      const summary = page.locator("details.config-details > summary", { hasText: new RegExp(`^${group}$`) });
      if ((await summary.locator("xpath=..").getAttribute("open")) === null) await summary.click();
    }
    await page.locator(`#config-${parts.join("-")}`).fill(value);
  }
}

async function chooseOption(page: Page, label: string, text: string) {
  const select = page.getByLabel(label);
  const value = await select.locator("option", { hasText: text }).first().getAttribute("value");
  await select.selectOption(value!);
}

const badge = (page: Page) => page.getByTestId("run-status");

async function waitForStatus(page: Page, status: string, timeout = 120_000) {
  await expect.poll(() => badge(page).innerText(), { timeout, interval: 250 }).toBe(status);
}

describe("training from the platform in a real browser", () => {
  it("imports, freezes, pretrains, fine-tunes live with cancel and resume, evaluates and downloads", async () => {
    const admin = await signedIn(browser, webUrl, { email: "admin@example.com", password: E2E_PASSWORD });

    await admin.goto(`${webUrl}/datasets`);
    await importLines(admin, null, /Prompts: \d+ new/);
    await importLines(admin, DEMONSTRATIONS, /Prompts: 16 new/);
    await admin.getByLabel("Name").fill("e2e training");
    await admin.getByRole("button", { name: "Make snapshot" }).click();
    await admin.getByTestId("snapshot").filter({ hasText: "e2e training" }).waitFor();

    // A tiny base model, pretrained on the snapshot's texts through the new-run form.
    await admin.goto(`${webUrl}/runs/new`);
    await admin.getByLabel("Kind").selectOption("pretrain");
    await chooseOption(admin, "Snapshot", "e2e training");
    await admin.getByTestId("snapshot-facts").filter({ hasText: "sft.jsonl" }).waitFor();
    // A bad value is named beside its field before anything is sent.
    await fillConfig(admin, { steps: "-3" });
    await admin
      .locator(".config-field", { has: admin.locator("#config-steps") })
      .getByRole("alert")
      .waitFor();
    await fillConfig(admin, {
      steps: "12",
      batchSize: "4",
      evalEvery: "6",
      checkpointEvery: "6",
      logEvery: "1",
      "model.width": "32",
      "model.layers": "1",
      "model.heads": "2",
      "model.contextLength": "64",
      "tokenizer.vocabSize": "320",
    });
    await admin.getByRole("button", { name: "Start pretrain run" }).click();
    await admin.waitForURL(/\/runs\/[^/]+$/);
    await waitForStatus(admin, "SUCCEEDED");
    await admin
      .getByTestId("run-output")
      .getByRole("link", { name: /base v\d+/ })
      .waitFor();

    // SFT from that base, long enough to be watched and cancelled mid-way.
    await admin.goto(`${webUrl}/runs/new`);
    await chooseOption(admin, "Snapshot", "e2e training");
    await chooseOption(admin, "Base model", "base v");
    await fillConfig(admin, {
      learningRate: "0.001",
      batchSize: "2",
      maxLength: "64",
      epochs: "50",
      maxSteps: "150",
      logEvery: "1",
      evalEvery: "50",
      saveEvery: "5",
    });
    await admin.getByRole("button", { name: "Start sft run" }).click();
    await admin.waitForURL(/\/runs\/[^/]+$/);

    // Marks this document: a reload would lose the mark.
    await admin.evaluate(() => ((window as unknown as { __live?: boolean }).__live = true));
    const curve = admin.getByRole("img", { name: "train/loss by step" });
    await curve.waitFor({ timeout: 60_000 });
    const points = async () => Number(await curve.getAttribute("data-points"));
    const seen = await points();
    await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(seen + 2);

    await admin.getByRole("button", { name: "Cancel run" }).click();
    await waitForStatus(admin, "CANCELLED", 30_000);
    const stoppedAt = await points();
    await admin.getByRole("button", { name: "Resume from last checkpoint" }).click();
    await expect
      .poll(() => admin.getByTestId("run-progress").innerText(), { timeout: 60_000 })
      .toMatch(/resumed from step [1-9]/);
    await waitForStatus(admin, "SUCCEEDED", 180_000);
    expect(await points()).toBeGreaterThan(stoppedAt);
    expect(await admin.evaluate(() => (window as unknown as { __live?: boolean }).__live)).toBe(true);

    // The registered model, its evaluation, and its files.
    await admin
      .getByTestId("run-output")
      .getByRole("link", { name: /sft v\d+/ })
      .click();
    await admin.waitForURL(/\/models\/[^/]+/);
    const evaluation = admin.getByTestId("evaluation").first();
    await evaluation.getByText("SUCCEEDED").waitFor({ timeout: 120_000 });
    await evaluation
      .getByText(/Perplexity/)
      .first()
      .waitFor();

    const [download] = await Promise.all([
      admin.waitForEvent("download"),
      admin.getByRole("link", { name: "Download (.tar.gz)" }).first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^sft-v\d+\.tar\.gz$/);
    const entries = execFileSync("tar", ["-tzf", (await download.path())!], { encoding: "utf8" }).split("\n");
    const folder = download.suggestedFilename().replace(".tar.gz", "");
    for (const file of ["config.json", "model.safetensors", "tokenizer.json"])
      expect(entries).toContain(`${folder}/${file}`);
  }, 600_000);
});
