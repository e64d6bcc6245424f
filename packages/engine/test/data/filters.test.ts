import { describe, expect, it } from "vitest";
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { harmfulStage } from "../../src/data/harmful.js";
import { detectLanguage, languageStage } from "../../src/data/langid.js";
import { normalizeStage } from "../../src/data/normalize.js";
import { luhnValid, piiStage, scanPii } from "../../src/data/pii.js";
import { isImplausibleToken, qualityStage } from "../../src/data/quality.js";
import type { Document } from "../../src/data/types.js";

const cfg = DataPrepareConfigSchema.parse({
  output: "unused",
  sources: [{ name: "s", type: "text", path: "unused" }],
});
const doc = (text: string): Document => ({ id: "t", source: "s", text, location: { file: "f", line: 1 } });
const PROSE =
  "The committee met on Tuesday to discuss the new library. Members agreed that the reading room needs better light, " +
  "more chairs and a quiet corner for children. The budget will be reviewed next month, after the council has " +
  "published its plans for the coming year and the public has had a chance to comment on them.";

describe("normalisation", () => {
  it("applies NFC and cleans whitespace and control characters, naming each change", () => {
    const r = normalizeStage(cfg.normalize).apply(doc("Cafe\u0301  au\t\tlait \u0007\r\n\n\n\nnext   "));
    expect(r.text).toBe("Café au lait\n\nnext");
    expect(r.changes).toEqual(["unicode_nfc", "whitespace"]);
    expect(normalizeStage(cfg.normalize).apply(doc(" \n\t ")).drop).toBe("empty");
  });
});

describe("quality filters", () => {
  const q = qualityStage(cfg.quality);
  it("keeps ordinary prose, URLs, code and text in scripts without spaces", () => {
    expect(q.apply(doc(PROSE))).toEqual({});
    expect(
      q.apply(doc(`${PROSE} See https://www.apache.org/licenses/LICENSE-2.0 and const x = a[i] + f(b, c);`)),
    ).toEqual({});
    expect(isImplausibleToken("https://www.apache.org/licenses/LICENSE-2.0")).toBe(false);
    expect(isImplausibleToken("aGVsbG8gd29ybGQhIFRoaXMgaXMgYmFzZTY0Lg")).toBe(true);
    expect(isImplausibleToken("-".repeat(40))).toBe(false);
    const chinese =
      "机器学习模型需要大量的数据，因此数据准备是训练之前最重要的步骤之一。我们需要清洗、去重、混合并切分这些文本，然后才能开始训练。好的数据集还要记录每一步删除了什么、为什么删除，这样别人才能信任它并重复整个过程。";
    expect(q.apply(doc(chinese))).toEqual({});
  });
  it.each([
    ["too_few_chars", "Short text."],
    ["too_few_words", "Supercalifragilistic ".repeat(5) + "x".repeat(60)],
    ["symbol_ratio", PROSE + " " + "§©®™→←↑↓∑∏√∞≈≠≤≥".repeat(8)],
    ["digit_ratio", PROSE + " " + "4815162342 ".repeat(30)],
    [
      "gibberish",
      "Qwrtp zxcvb sdfgh jklmn wrtyp bcdfg hjklm npqrs tvwxz mnbvc lkjhg fdsqw ertyu iopas dfghj klzxc vbnmq wrtps " +
        PROSE.slice(0, 80),
    ],
    [
      "gibberish",
      `${PROSE.slice(0, 100)} x9$kQ!p2#vL@7zR&mW4^tY*8uE(3oP)6iA{1sD}5fG|0hJ~K r7%Bn!Qe#2Lp@Z9&x^Wm*4v(Ut)8Ys{o1}Ai|3f~G w&8#Kd!2pZ%7qL^4$xR@9t(Fm)3*vB{0n}Hc|6~Js`,
    ],
  ])("drops %s", (reason, text) => {
    expect(q.apply(doc(text)).drop).toBe(reason);
  });
  it("removes boilerplate lines, and drops a document whose characters are mostly in them", () => {
    const lines = PROSE.split(". ").join(".\n");
    const r = q.apply(doc(`${lines}\nClick here to subscribe to our newsletter`));
    expect(r.text).toBe(lines);
    expect(r.changes).toEqual(["boilerplate_lines_removed"]);
    const notices = [
      "We use cookies to improve your experience: accept all cookies or open the cookie settings to choose.",
      "JavaScript is disabled in your browser, so some parts of this page will not work as intended today.",
      "Click here to subscribe to our newsletter and get the latest offers straight into your inbox.",
    ];
    expect(q.apply(doc(`${notices.join("\n")}\n${PROSE.slice(0, 120)}`)).drop).toBe("boilerplate");
  });

  it("keeps a page of one long paragraph and six navigation lines, without the navigation", () => {
    const page = `Home\nMenu\nSign in\nShare\nPrint\nAccept cookies\n${PROSE}`;
    expect(q.apply(doc(page))).toEqual({ text: PROSE, changes: ["boilerplate_lines_removed"] });
  });
});

describe("personal data", () => {
  it("redacts e-mails, phones, IPs and Luhn-valid card numbers", () => {
    const r = piiStage(cfg.pii).apply(
      doc(
        "Mail jane.doe@example.org, call +1 (555) 123-4567, server 192.168.10.20, card 4111 1111 1111 1111.",
      ),
    );
    expect(r.text).toBe("Mail <EMAIL>, call <PHONE>, server <IP_ADDRESS>, card <CARD_NUMBER>.");
    expect(r.changes).toEqual([
      "redacted_email",
      "redacted_card_number",
      "redacted_ip_address",
      "redacted_phone",
    ]);
  });
  it("leaves the false-positive traps alone", () => {
    const traps =
      "Linux version 2.6.32.1 and v1.2.3.4 shipped; order 4111 1111 1111 1112 failed Luhn; it costs 1,234.56; on 2024-01-15 at 10:30:00; ISBN 978-3-16-148410-0 pages 12-34.";
    expect(piiStage(cfg.pii).apply(doc(traps))).toEqual({});
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
  });
  it("finds IPv6 addresses and drops the document when configured to", () => {
    expect(scanPii("host 2001:db8::8a2e:370:7334 up", "ip_address", true).text).toBe("host <IP_ADDRESS> up");
    const drop = piiStage({ ...cfg.pii, action: "drop" }).apply(doc("write to a@b.co please"));
    expect(drop.drop).toBe("pii_email");
    const keep = piiStage({ ...cfg.pii, action: "keep" }).apply(doc("write to a@b.co please"));
    expect(keep).toEqual({ text: undefined, changes: ["found_email"] });
  });
});

describe("harmful content", () => {
  it("drops a document whose category density passes the threshold, and asks the classifier hook", () => {
    const h = harmfulStage(cfg.harmful);
    expect(h.apply(doc(`I will kill you. ${PROSE}`)).drop).toBe("harmful_violence");
    expect(h.apply(doc(PROSE + " The skill you need is patience."))).toEqual({});
    const withHook = harmfulStage({ ...cfg.harmful, categories: [] }, (d) =>
      d.text.includes("spam") ? "spam" : undefined,
    );
    expect(withHook.apply(doc("pure spam"))).toEqual({ drop: "harmful_spam" });
  });
});

describe("language detection", () => {
  it("detects languages, keeps short texts as und, and drops languages not allowed", () => {
    expect(detectLanguage("Der Zug zum Flughafen fährt alle zwanzig Minuten von Gleis vier ab.")).toBe("de");
    const seen: string[] = [];
    const stage = languageStage({ ...cfg.language, allowed: ["en"] }, (_s, l) => seen.push(l));
    expect(stage.apply(doc(PROSE))).toEqual({});
    expect(
      stage.apply(doc("Le train pour l'aéroport part toutes les vingt minutes du quai numéro quatre.")),
    ).toEqual({ drop: "language_fr" });
    expect(stage.apply(doc("Ja."))).toEqual({});
    expect(seen).toEqual(["en", "fr", "und"]);
  });
});
