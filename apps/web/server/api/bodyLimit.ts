import { MAX_IMPORT_CHARS } from "../annotation/inputs";

/**
 * The largest tRPC request body accepted. The biggest legitimate one is a JSONL import of MAX_IMPORT_CHARS
 * characters: at most 4 bytes each in UTF-8, plus room for the JSON envelope.
 */
export const MAX_TRPC_BODY_BYTES = 4 * MAX_IMPORT_CHARS + 1024 * 1024;

/** A 413 answer for a request that declares a body over the limit, before any of it is read; else null. */
export function rejectOversizedBody(request: Request): Response | null {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (!(declared > MAX_TRPC_BODY_BYTES)) return null;
  return Response.json(
    {
      error: {
        message: `request body is ${declared} bytes, the limit is ${MAX_TRPC_BODY_BYTES} bytes`,
        code: "PAYLOAD_TOO_LARGE",
      },
    },
    { status: 413 },
  );
}
