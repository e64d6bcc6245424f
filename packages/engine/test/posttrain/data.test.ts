import { describe, expect, it } from "vitest";
import {
  ConversationSchema,
  PreferencePairSchema,
  RankingSchema,
  RewardRecordSchema,
  parseJsonl,
  promptMessages,
} from "../../src/posttrain/data.js";

describe("post-training JSONL", () => {
  it("parses conversations, pairs and rankings", () => {
    const convs = parseJsonl(
      '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n\n',
      ConversationSchema,
      "c.jsonl",
    );
    expect(convs[0].messages[1].content).toBe("hello");
    const pairs = parseJsonl(
      '{"prompt":"p","chosen":"a","rejected":"b","margin":1}',
      PreferencePairSchema,
      "p.jsonl",
    );
    expect(pairs[0].margin).toBe(1);
    const mixed = parseJsonl(
      '{"prompt":"p","chosen":"a","rejected":"b"}\n{"prompt":"q","responses":["x","y","z"],"ranks":[0,1,1]}',
      RewardRecordSchema,
      "r.jsonl",
    );
    expect(mixed.length).toBe(2);
    expect(promptMessages("p")).toEqual([{ role: "user", content: "p" }]);
  });

  it("names the file, line and field of a bad record", () => {
    expect(() =>
      parseJsonl('{"messages":[{"role":"user","content":"hi"}]}', ConversationSchema, "c.jsonl"),
    ).toThrow(/c\.jsonl:1: messages: needs at least one assistant message/);
    expect(() => parseJsonl('{"prompt":"p","chosen":"a"}', PreferencePairSchema, "p.jsonl")).toThrow(
      /p\.jsonl:1: rejected/,
    );
    expect(() =>
      parseJsonl('{"prompt":"p","responses":["a","b"],"ranks":[0]}', RankingSchema, "r.jsonl"),
    ).toThrow(/r\.jsonl:1: ranks: ranks and responses/);
    expect(() => parseJsonl("\n{oops", ConversationSchema, "c.jsonl")).toThrow(/c\.jsonl:2: not valid JSON/);
    expect(() =>
      parseJsonl('{"prompt":"p","chosen":"a","rejected":"b","extra":1}', PreferencePairSchema, "p.jsonl"),
    ).toThrow(/extra/);
    expect(() => parseJsonl("\n", ConversationSchema, "e.jsonl")).toThrow(/e\.jsonl: no records/);
  });
});
