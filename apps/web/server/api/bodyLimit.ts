import { MAX_IMPORT_CHARS } from "../annotation/inputs";

/**
 * The largest tRPC request body accepted. The biggest legitimate one is a JSONL import of MAX_IMPORT_CHARS
 * characters: at most 4 bytes each in UTF-8, plus room for the JSON envelope.
 */
export const MAX_TRPC_BODY_BYTES = 4 * MAX_IMPORT_CHARS + 1024 * 1024;

const tooLarge = (message: string) =>
  Response.json(
    { error: { message, code: "PAYLOAD_TOO_LARGE" } },
    { status: 413, headers: { connection: "close" } },
  );

/**
 * The request with its body read into memory, counting bytes as they arrive; or a 413 answer as soon as the body
 * passes `limit`, whether it declared its length or came chunked. At most `limit` bytes are ever held.
 */
export async function readBodyWithin(
  request: Request,
  limit = MAX_TRPC_BODY_BYTES,
): Promise<Request | Response> {
  if (!request.body) return request;
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) {
    await request.body.cancel();
    return tooLarge(`request body is ${declared} bytes, the limit is ${limit} bytes`);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return tooLarge(`request body is over the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body });
}
