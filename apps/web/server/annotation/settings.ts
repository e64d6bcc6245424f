/**
 * Settings admins edit in the app, stored in Postgres (AnnotationSetting) and audited: the annotation policy
 * (ANNOTATION_POLICY still wins when set) and the guidelines annotators read beside every task.
 */
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Prisma, PrismaClient } from "@rlhf/db";
import {
  annotationPolicy,
  annotationPolicySchema,
  policyFromEnvironment,
  rememberSavedPolicy,
  savedPolicyIsStale,
} from "./policy";
import { type Guidelines, guidelinesSchema } from "./guidelines";
import type { Actor } from "./submissions";

/** How long a process trusts its copy of the saved policy before reading it again. */
const POLICY_MAX_AGE_MS = 5_000;

async function readSetting<T>(prisma: PrismaClient, key: string, schema: z.ZodType<T>): Promise<T | null> {
  const row = await prisma.annotationSetting.findUnique({ where: { key } });
  if (!row) return null;
  const parsed = schema.safeParse(row.value);
  // A value saved under an older schema falls back to the defaults rather than breaking every task page.
  return parsed.success ? parsed.data : null;
}

async function writeSetting(prisma: PrismaClient, actor: Actor, key: string, value: unknown) {
  await prisma.$transaction(async (tx) => {
    const before = await tx.annotationSetting.findUnique({ where: { key } });
    const json = value as Prisma.InputJsonValue;
    await tx.annotationSetting.upsert({
      where: { key },
      create: { key, value: json, updatedById: actor.id },
      update: { value: json, updatedById: actor.id },
    });
    await tx.auditLog.create({
      data: {
        actorId: actor.id,
        action: `settings.${key}`,
        target: `setting:${key}`,
        details: { from: before?.value ?? null, to: json },
      },
    });
  });
}

/** Reads the saved policy again when this process's copy is older than a few seconds. */
export async function refreshSavedPolicy(prisma: PrismaClient, nowMs = Date.now()): Promise<void> {
  if (policyFromEnvironment() || !savedPolicyIsStale(nowMs, POLICY_MAX_AGE_MS)) return;
  const policy = await readSetting(prisma, "policy", annotationPolicySchema);
  rememberSavedPolicy(policy ?? annotationPolicySchema.parse({}), nowMs);
}

export const savePolicyInput = annotationPolicySchema.partial();

export async function savePolicy(prisma: PrismaClient, actor: Actor, input: z.infer<typeof savePolicyInput>) {
  if (policyFromEnvironment()) {
    throw new TRPCError({
      code: "CONFLICT",
      message: "ANNOTATION_POLICY is set on the server and wins; unset it to edit the policy here",
    });
  }
  const policy = annotationPolicySchema.parse(input);
  await writeSetting(prisma, actor, "policy", policy);
  rememberSavedPolicy(policy, Date.now());
  return policy;
}

export async function policyView() {
  return { policy: annotationPolicy(), fromEnvironment: policyFromEnvironment() };
}

export async function guidelines(prisma: PrismaClient): Promise<Guidelines> {
  return (await readSetting(prisma, "guidelines", guidelinesSchema)) ?? guidelinesSchema.parse({});
}

export async function saveGuidelines(prisma: PrismaClient, actor: Actor, input: Guidelines) {
  await writeSetting(prisma, actor, "guidelines", input);
  return input;
}
