import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, safeCallbackPath } from "./callbackPath";

describe("safeCallbackPath", () => {
  it("keeps same-site paths with their query and fragment", () => {
    expect(safeCallbackPath("/runs/abc?tab=loss#chart")).toBe("/runs/abc?tab=loss#chart");
    expect(safeCallbackPath("/admin")).toBe("/admin");
  });

  it.each([
    "/\\evil.com",
    "/\t/evil.com",
    "//evil.com",
    "\\\\evil.com",
    "https://evil.com/runs",
    "javascript:alert(1)",
    " //evil.com",
  ])("refuses %j, which a browser would send to another host", (callbackUrl) => {
    expect(safeCallbackPath(callbackUrl)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it("falls back to the default when there is none", () => {
    expect(safeCallbackPath(undefined)).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(safeCallbackPath("")).toBe(DEFAULT_AFTER_SIGN_IN);
  });
});
