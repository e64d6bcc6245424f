import type { z } from "zod";

/** "field.path: message" for each issue, so an error says which field was wrong (unknown keys name themselves). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
