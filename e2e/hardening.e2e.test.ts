// Hardening against the real server (`next start` with real Postgres, as in production): body limit, headers
// and CSP, sign-in lock-out, session revocation.
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "./browser";
import { E2E_PASSWORD } from "./global-setup";
import { signInOverHttp, trpcCall, type HttpSession } from "./http";

const webUrl = inject("webUrl");
let browser: Browser;
let admin: HttpSession;

beforeAll(async () => {
  browser = await launchChromium();
  const signedIn = await signInOverHttp(webUrl, "admin@example.com", E2E_PASSWORD);
  if (!("session" in signedIn)) throw new Error(`admin sign-in failed: ${signedIn.error}`);
  admin = signedIn.session;
});
afterAll(() => browser?.close());

/** Resident memory (bytes) of the process listening on `port` (found through its socket's inode). */
function serverRss(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set(
    ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((table) =>
      readFileSync(table, "utf8")
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        // local_address ends with :PORT, state 0A is LISTEN, the inode is the tenth column.
        .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A")
        .map((cols) => `socket:[${cols[9]}]`),
    ),
  );
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (fds.some((target) => inodes.has(target))) {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
    }
  }
  throw new Error(`no process listens on port ${port}`);
}

/** A new account through an admin's invitation; its e-mail. */
async function invitedAccount(role: "ANNOTATOR" | "REVIEWER", password: string): Promise<string> {
  const email = `e2e-${Math.random().toString(36).slice(2)}@test.local`;
  const invite = await trpcCall(webUrl, admin, "account.createInvite", { email, role });
  const token = (invite.data as { path: string }).path.replace("/invite/", "");
  const accepted = await trpcCall(webUrl, null, "account.acceptInvite", {
    token,
    name: "E2E Person",
    password,
  });
  expect(accepted.status).toBe(200);
  return email;
}

describe("hardening of the real server", () => {
  it("refuses a 50 MB chunked body and stays within 50 MB of its memory", async () => {
    const port = Number(new URL(webUrl).port);
    const before = serverRss(port);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, serverRss(port))), 20);
    let sent = 0;
    const chunk = Buffer.alloc(1024 * 1024, "x");
    const body = Readable.from(
      (function* () {
        for (; sent < 50; sent++) yield chunk;
      })(),
    );
    const response = await fetch(`${webUrl}/api/trpc/datasets.importJsonl`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: admin.cookie },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: "half",
    } as RequestInit).catch((error: Error) => error);
    // The server answers 413 as soon as the limit passes, and may close the connection while we still send.
    if (response instanceof Response) expect(response.status).toBe(413);
    else expect(sent).toBeLessThan(50);
    clearInterval(sampler);
    peak = Math.max(peak, serverRss(port));
    expect(peak - before).toBeLessThan(50 * 1024 * 1024);
  });

  it("sends security headers, and the pages run under their CSP without violations", async () => {
    const page = await fetch(`${webUrl}/signin`);
    expect(page.headers.get("content-security-policy")).toMatch(
      /script-src 'self' 'nonce-[^']+' 'strict-dynamic'/,
    );
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const api = await fetch(`${webUrl}/api/trpc/annotation.policy`);
    for (const response of [page, api]) {
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    }
    expect(api.headers.get("x-request-id")).toMatch(/^[\w-]+$/);

    const context = await browser.newContext();
    const tab = await context.newPage();
    const violations: string[] = [];
    tab.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await tab.goto(`${webUrl}/signin`);
    await tab.getByLabel("Email").fill("admin@example.com");
    await tab.getByLabel("Password").fill(E2E_PASSWORD);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.waitForURL((url) => !url.pathname.startsWith("/signin"));
    for (const path of [
      "/runs",
      "/annotate",
      "/annotate/rank",
      "/review",
      "/datasets",
      "/admin",
      "/models",
      "/account",
    ]) {
      await tab.goto(`${webUrl}${path}`);
      await tab.waitForLoadState("networkidle");
      // Hydrated: React attached its handlers, so its scripts ran under the policy.
      expect(await tab.evaluate(() => document.querySelectorAll("script[nonce]").length)).toBeGreaterThan(0);
    }
    expect(violations).toEqual([]);
    await context.close();
  });

  it("locks an account after repeated wrong passwords, known or unknown e-mail alike", async () => {
    const password = "e2e lockout password";
    const email = await invitedAccount("ANNOTATOR", password);
    for (let i = 0; i < 5; i++)
      expect(await signInOverHttp(webUrl, email, "wrong guess", `198.51.100.${i}`)).toEqual({
        error: "CredentialsSignin",
      });
    expect(await signInOverHttp(webUrl, email, password, "198.51.100.77")).toMatchObject({
      error: expect.stringMatching(/^locked:\d+$/),
    });
  });

  it("ends a session at sign-out and at a password change", async () => {
    const password = "e2e first password";
    const email = await invitedAccount("ANNOTATOR", password);
    const first = await signInOverHttp(webUrl, email, password, "203.0.113.1");
    const second = await signInOverHttp(webUrl, email, password, "203.0.113.1");
    if (!("session" in first) || !("session" in second)) throw new Error("sign-in failed");
    expect((await trpcCall(webUrl, first.session, "annotation.mySubmissions", undefined, "GET")).status).toBe(
      200,
    );

    const changed = await trpcCall(webUrl, first.session, "account.changePassword", {
      currentPassword: password,
      newPassword: "e2e second password",
    });
    expect(changed.status).toBe(200);
    for (const old of [first.session, second.session])
      expect((await trpcCall(webUrl, old, "annotation.mySubmissions", undefined, "GET")).status).toBe(401);
    expect(await signInOverHttp(webUrl, email, password, "203.0.113.2")).toEqual({
      error: "CredentialsSignin",
    });

    const third = await signInOverHttp(webUrl, email, "e2e second password", "203.0.113.3");
    if (!("session" in third)) throw new Error("sign-in with the new password failed");
    const csrf = await fetch(`${webUrl}/api/auth/csrf`, { headers: { cookie: third.session.cookie } });
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
    await fetch(`${webUrl}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: [third.session.cookie, ...csrfCookie].join("; "),
      },
      body: new URLSearchParams({ csrfToken, json: "true" }),
    });
    expect((await trpcCall(webUrl, third.session, "annotation.mySubmissions", undefined, "GET")).status).toBe(
      401,
    );
  });
});
