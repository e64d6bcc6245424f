/** The multilingual text every tokenizer test round-trips: scripts, emoji (with ZWJ and skin tone), code, controls. */
export const MULTILINGUAL = [
  "The quick brown fox jumps over the lazy dog. It's 2024; we've 3.14159 reasons!",
  "中文测试：机器学习模型需要大量的数据。你好，世界！",
  "العربية: مرحبا بالعالم، هذا اختبار للنص من اليمين إلى اليسار.",
  "Emoji: 🎉👍🏽 👨‍👩‍👧‍👦 🇫🇷 and 日本語のテキスト、한국어 텍스트, Ελληνικά, русский текст.",
  "function add(a, b) {\n\treturn a + b; // sum\n}\nconst x = [1, 2, 3].map((n) => n ** 2);",
  "Control chars: \u0000 \u0007 \u001b[31mred\u001b[0m \r\n\ttabs\u000b\u000c and trailing spaces   ",
  "Accents: café, naïve, Zürich, São Paulo, Ångström (e\u0301 combining).",
].join("\n\n");

/** A small training corpus: the text above and some plain English, repeated so merges have counts above one. */
export function trainingCorpus(): string[] {
  const english = [
    "Data preparation turns raw text into training shards.",
    "Tokenizers split text into pieces that a model can learn from.",
    "The license grants permission to copy, modify and distribute the software.",
  ];
  const docs: string[] = [];
  for (let i = 0; i < 20; i++) docs.push(MULTILINGUAL, ...english);
  return docs;
}
