import { describe, expect, it } from "vitest";
import { MAX_IMPORT_CHARS } from "../annotation/inputs";
import { MAX_TRPC_BODY_BYTES, readBodyWithin } from "./bodyLimit";

/** A chunked body (no length declared) of `chunks` pieces of `size` bytes; counts how many were pulled. */
function chunked(chunks: number, size: number) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(120));
    },
  });
  const request = new Request("http://localhost/api/trpc/x", {
    method: "POST",
    body,
    duplex: "half",
  } as RequestInit);
  return { request, pulled: () => pulled };
}

const messageOf = async (response: Response) =>
  ((await response.json()) as { error: { message: string } }).error.message;

describe("readBodyWithin", () => {
  it("allows a body as large as the biggest import", () => {
    expect(MAX_TRPC_BODY_BYTES).toBeGreaterThan(4 * MAX_IMPORT_CHARS);
  });

  it("passes a chunked body within the limit on, whole", async () => {
    const { request } = chunked(4, 1000);
    const result = await readBodyWithin(request, 4000);
    expect(result).toBeInstanceOf(Request);
    expect((await (result as Request).text()).length).toBe(4000);
  });

  it("answers 413 for a declared length over the limit without reading the body", async () => {
    const request = new Request("http://localhost/api/trpc/x", {
      method: "POST",
      headers: { "content-length": "5001" },
      body: "x".repeat(5001),
    });
    const result = (await readBodyWithin(request, 5000)) as Response;
    expect(result.status).toBe(413);
    expect(await messageOf(result)).toBe("request body is 5001 bytes, the limit is 5000 bytes");
  });

  it("stops reading a chunked body as soon as it passes the limit", async () => {
    const { request, pulled } = chunked(1000, 1000);
    const result = (await readBodyWithin(request, 4500)) as Response;
    expect(result.status).toBe(413);
    expect(await messageOf(result)).toBe("request body is over the limit of 4500 bytes");
    expect(pulled()).toBeLessThanOrEqual(6);
  });
});
