import { describe, expect, it } from "vitest";
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { c4Stage, finewebStage, gopherQualityStage, gopherRepetitionStage } from "../../src/data/rules.js";
import type { Document } from "../../src/data/types.js";

const { rules } = DataPrepareConfigSchema.parse({
  output: "unused",
  sources: [{ name: "s", type: "text", path: "unused" }],
});
const doc = (text: string): Document => ({ id: "t", source: "s", text, location: { file: "f", line: 1 } });

/** An ordinary article: every rule set must keep it unchanged. */
const ARTICLE = [
  "The town council met on Tuesday evening to discuss the future of the old library building.",
  "Several residents spoke in favour of turning it into a community centre with a small reading room.",
  "Others argued that the money would be better spent on repairing the roads that lead to the school.",
  "After a long debate, the members agreed to ask an architect to estimate the cost of both plans.",
  "The results will be presented at the next meeting, which is open to the public and starts at seven.",
  "Anyone who wants to comment can write to the clerk before the end of the month.",
].join("\n");
const words = (n: number, from: string[]) => Array.from({ length: n }, (_, i) => from[i % from.length]);

describe("rule sets keep an ordinary article", () => {
  it.each([
    ["gopher_quality", gopherQualityStage(rules.gopherQuality)],
    ["gopher_repetition", gopherRepetitionStage(rules.gopherRepetition)],
    ["c4", c4Stage(rules.c4)],
    ["fineweb", finewebStage(rules.fineweb)],
  ])("%s", (name, stage) => {
    expect(stage.name).toBe(name);
    expect(stage.apply(doc(ARTICLE))).toEqual({});
  });
});

describe("Gopher quality (datatrove defaults)", () => {
  const stage = gopherQualityStage(rules.gopherQuality);
  it.each([
    ["short_doc", "The meeting was short and the members went home early."],
    [
      "stop_words",
      words(80, ["Council", "meeting", "library", "building", "residents", "debate."]).join(" "),
    ],
    ["too_many_hashes", `${ARTICLE}\n${"#tag ".repeat(12)}`],
    [
      "too_many_bullets",
      ARTICLE.split("\n")
        .map((l) => `• ${l}`)
        .join("\n"),
    ],
    [
      "too_many_end_ellipsis",
      ARTICLE.split("\n")
        .map((l, i) => (i < 2 ? l : `${l.slice(0, -1)} and so on…`))
        .join("\n"),
    ],
    ["below_alpha_threshold", `${ARTICLE}\n${"12 34 56 78 90 ".repeat(10)}`],
    ["above_avg_word_length", `${ARTICLE} ${"internationalisation ".repeat(80)}`],
  ])("drops %s", (rule, text) => {
    expect(stage.apply(doc(text))).toEqual({ drop: `gopher_quality/${rule}` });
  });
});

describe("Gopher repetition (datatrove defaults)", () => {
  const stage = gopherRepetitionStage(rules.gopherRepetition);
  const lines = ARTICLE.split("\n");
  it.each([
    ["dup_para_frac", [...lines, lines[0], lines[0], lines[0]].join("\n\n")],
    ["dup_line_frac", [...lines, lines[1], lines[1], lines[1]].join("\n")],
    ["dup_line_char_frac", [...lines, lines[1], lines[2]].join("\n")],
    ["top_2_gram", `${ARTICLE} ${"very good ".repeat(40)}`],
    ["duplicated_5_n_grams", `${ARTICLE} ${ARTICLE.replaceAll("\n", " ").slice(0, 200)}`],
  ])("drops %s", (rule, text) => {
    expect(stage.apply(doc(text))).toEqual({ drop: `gopher_repetition/${rule}` });
  });
});

describe("C4 (datatrove defaults)", () => {
  const stage = c4Stage(rules.c4);
  it.each([
    ["lorem_ipsum", `${ARTICLE}\nLorem ipsum dolor sit amet, consectetur adipiscing elit.`],
    ["curly_bracket", `${ARTICLE}\nfunction f() { return 1; }`],
    ["too_few_sentences", lines(3)],
    ["word_too_long", `${ARTICLE}\nSee ${"a".repeat(1001)} now.`],
  ])("drops %s", (rule, text) => {
    expect(stage.apply(doc(text))).toEqual({ drop: `c4/${rule}` });
  });
  it("removes lines without terminal punctuation, short lines, javascript and policy notices, and citations", () => {
    const page = [
      "Menu",
      ARTICLE,
      "Read our privacy policy to learn more about this site.",
      "Please enable JavaScript to view the comments.",
      "Ok.",
      "The library opened in 1905.[1]",
    ].join("\n");
    expect(stage.apply(doc(page))).toEqual({
      text: `${ARTICLE}\nThe library opened in 1905.`,
      changes: [
        "c4/line_no_terminal_punct",
        "c4/line_policy",
        "c4/line_javascript",
        "c4/line_too_few_words",
        "c4/citation_removed",
      ],
    });
  });
});

function lines(n: number): string {
  return ARTICLE.split("\n").slice(0, n).join("\n");
}

describe("FineWeb (datatrove defaults)", () => {
  const stage = finewebStage(rules.fineweb);
  it.each([
    [
      "line_punct_ratio",
      ARTICLE.split("\n")
        .map((l) => l.slice(0, -1))
        .join("\n"),
    ],
    [
      "short_line_ratio",
      `${ARTICLE}\n${Array.from({ length: 15 }, (_, i) => `Item number ${i}.`).join("\n")}`,
    ],
    ["char_dup_ratio", `${ARTICLE}\n${ARTICLE.split("\n")[0]}`],
    [
      "list_ratio",
      Array.from({ length: 20 }, (_, i) => `Internationalisation${i} documentation${i} reorganisation.`).join(
        "\n",
      ),
    ],
  ])("drops %s", (rule, text) => {
    expect(stage.apply(doc(text))).toEqual({ drop: `fineweb/${rule}` });
  });
});
