import { describe, expect, it } from "vitest";
import { MAX_IMPORT_CHARS } from "../annotation/inputs";
import { MAX_TRPC_BODY_BYTES, rejectOversizedBody } from "./bodyLimit";

const post = (bytes: number) =>
  new Request("http://localhost/api/trpc/x", {
    method: "POST",
    headers: { "content-length": String(bytes) },
  });

describe("rejectOversizedBody", () => {
  it("lets through a request as large as the biggest import", () => {
    expect(MAX_TRPC_BODY_BYTES).toBeGreaterThan(MAX_IMPORT_CHARS);
    expect(rejectOversizedBody(post(MAX_TRPC_BODY_BYTES))).toBeNull();
    expect(rejectOversizedBody(new Request("http://localhost/api/trpc/x"))).toBeNull();
  });

  it("answers 413 naming the size and the limit for a larger one", async () => {
    const response = rejectOversizedBody(post(MAX_TRPC_BODY_BYTES + 1))!;
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toBe(
      `request body is ${MAX_TRPC_BODY_BYTES + 1} bytes, the limit is ${MAX_TRPC_BODY_BYTES} bytes`,
    );
  });
});
