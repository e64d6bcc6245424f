import { z } from "zod";

/** Who may do what is decided on the server, per tRPC procedure, from these roles. */
export const ROLES = ["ADMIN", "REVIEWER", "ANNOTATOR"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
