// Bad input and broken dependencies against the real router and database: characters Postgres cannot store give
// 400 (per line in an import), and failures answer without internals, over HTTP as the route serves them.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "@rlhf/db";
import { freePort } from "@rlhf/db/services";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { createLogger } from "@rlhf/shared/log";
import { appRouter } from "./root";
import { sid, testCallers } from "./test-callers";
import { createContext } from "./trpc";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;

beforeAll(async () => {
  process.env.ANNOTATION_POLICY = JSON.stringify({ writesPerMinute: 1000 });
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(async () => {
  delete process.env.ANNOTATION_POLICY;
  await database.drop();
});

const LONE_HIGH = "\uD800";

describe("characters that cannot be stored", () => {
  it("refuses them anywhere in an input with BAD_REQUEST naming the field", async () => {
    const { api } = await people.person("ANNOTATOR");
    for (const [content, expected] of [
      ["a\u0000b", /^messages\.0\.content: contains a NUL character \(U\+0000\) at position 1/],
      [`x${LONE_HIGH}`, /^messages\.0\.content: contains a lone UTF-16 surrogate/],
      ["\uDC00 low first", /lone UTF-16 surrogate .* at position 0/],
    ] as const) {
      const error = await api.annotation
        .createPrompt({ submissionId: sid(), messages: [{ role: "user", content }], language: "en" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe("BAD_REQUEST");
      expect((error as TRPCError).message).toMatch(expected);
    }
    // A well-formed pair (an emoji) is fine.
    await api.annotation.createPrompt({
      submissionId: sid(),
      messages: [{ role: "user", content: "ok \uD83D\uDE00" }],
      language: "en",
    });
  });

  it("reports them per line in an import and imports the good lines", async () => {
    const { api } = await people.person("ADMIN");
    const fileText = [
      JSON.stringify({ prompt: "good one" }),
      '{"prompt": "escaped \\u0000 nul"}',
      '{"prompt": "escaped \\ud800 half"}',
      `{"prompt": "raw \u0000 nul"}`,
      `{"prompt": "raw ${LONE_HIGH} half"}`,
      `{"prompt": "ok", "responses": [{"text": "answer \\udfff"}]}`,
      `\u0000{not json ${LONE_HIGH}`,
      JSON.stringify({ prompt: "good two" }),
    ].join("\n");
    const result = await api.datasets.importJsonl({ submissionId: sid(), fileText });
    expect(result.promptsCreated).toBe(2);
    expect(result.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(result.errors[0].message).toMatch(/^prompt: contains a NUL character/);
    expect(result.errors[1].message).toMatch(/^prompt: contains a lone UTF-16 surrogate/);
    expect(result.errors[4].message).toMatch(/^responses\.0\.text: contains a lone UTF-16 surrogate/);
    const prompts = await database.prisma.prompt.findMany({ where: { source: "IMPORTED" } });
    expect(prompts.map((p) => (p.messages as { content: string }[])[0].content).sort()).toEqual([
      "good one",
      "good two",
    ]);
  });
});

const log = createLogger("web-test");

/** One tRPC call over HTTP, as the route handler serves it, with the given database behind it. */
async function overHttp(url: string, userId: string | null) {
  const prisma = createPrisma(url);
  const noQueue = (): never => {
    throw new Error("no queue in this test");
  };
  try {
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request("http://localhost/api/trpc/annotation.mySubmissions"),
      router: appRouter,
      createContext: () =>
        createContext({
          userId,
          prisma,
          queue: noQueue,
          evaluationQueue: noQueue,
          log,
          requestId: "req-123",
        }),
    });
    return { status: response.status, text: await response.text() };
  } finally {
    await prisma.$disconnect();
  }
}

describe("failures over HTTP", () => {
  it("answers an internal error with the request id and none of the database's text", async () => {
    const missing = database.url.replace(/\/[^/]+$/, "/no_such_database");
    const { status, text } = await overHttp(missing, "someone");
    expect(status).toBe(500);
    expect(text).toContain("internal error; the server log has the details under request id req-123");
    expect(text).not.toMatch(/no_such_database|prisma|invocation|does not exist|at /i);
  });

  it("answers 503 when the database does not answer", async () => {
    const { status, text } = await overHttp(
      `postgresql://postgres:x@127.0.0.1:${await freePort()}/db`,
      "someone",
    );
    expect(status).toBe(503);
    expect(text).toContain("the database does not answer; try again shortly");
    expect(text).not.toMatch(/127\.0\.0\.1|prisma/i);
  });
});
