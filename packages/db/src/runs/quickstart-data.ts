// The quick-start's bundled example data: short questions, each with a good answer (a demonstration, as if written
// by an annotator) and worse model answers, ranked good first. Generated from a few templates so that a tiny
// model can learn something in seconds; none of it is one of the evaluation prompts (EVAL_PROMPTS).

export interface QuickStartExample {
  prompt: string;
  good: string;
  /** Model answers, best first. */
  worse: string[];
}

const NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const OPPOSITES: [string, string][] = [
  ["hot", "cold"],
  ["big", "small"],
  ["fast", "slow"],
  ["happy", "sad"],
  ["light", "dark"],
  ["old", "young"],
  ["early", "late"],
  ["full", "empty"],
  ["open", "closed"],
  ["strong", "weak"],
  ["up", "down"],
  ["left", "right"],
];
const CAPITALS: [string, string][] = [
  ["Germany", "Berlin"],
  ["Italy", "Rome"],
  ["Spain", "Madrid"],
  ["Japan", "Tokyo"],
  ["Canada", "Ottawa"],
  ["Egypt", "Cairo"],
  ["Kenya", "Nairobi"],
  ["Peru", "Lima"],
  ["Norway", "Oslo"],
  ["Greece", "Athens"],
  ["Poland", "Warsaw"],
  ["Chile", "Santiago"],
];

export function quickStartExamples(): QuickStartExample[] {
  const examples: QuickStartExample[] = [];
  for (let a = 1; a < 10; a++)
    for (let b = 1; b < 10; b += 2)
      examples.push({
        prompt: `What is ${NUMBERS[a]} plus ${NUMBERS[b]}?`,
        good: `${NUMBERS[a]} plus ${NUMBERS[b]} is ${a + b}.`,
        worse: [`${NUMBERS[a]} plus ${NUMBERS[b]} is ${a + b + 1}.`, "I do not want to do sums."],
      });
  for (const [word, opposite] of OPPOSITES)
    examples.push({
      prompt: `What is the opposite of ${word}?`,
      good: `The opposite of ${word} is ${opposite}.`,
      worse: [`The opposite of ${word} is ${word}.`, "Ask someone else."],
    });
  for (const [country, capital] of CAPITALS)
    examples.push({
      prompt: `What is the capital of ${country}?`,
      good: `The capital of ${country} is ${capital}.`,
      worse: [`The capital of ${country} is a big city.`, "No idea, sorry."],
    });
  return examples;
}
