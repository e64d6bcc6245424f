/** A tRPC error as one readable line: zod field errors as "field: message", anything else as its message. */
export function errorText(error: { message: string; data?: unknown } | null | undefined): string {
  if (!error) return "";
  const zod = (
    error.data as
      { zodError?: { fieldErrors?: Record<string, string[] | undefined>; formErrors?: string[] } } | undefined
  )?.zodError;
  if (!zod) return error.message;
  const fields = Object.entries(zod.fieldErrors ?? {}).map(
    ([field, messages]) => `${field}: ${(messages ?? []).join(", ")}`,
  );
  return [...(zod.formErrors ?? []), ...fields].join("; ") || error.message;
}
