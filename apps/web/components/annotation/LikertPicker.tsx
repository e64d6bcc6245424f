"use client";

import { LIKERT_MAX, LIKERT_MIN, type LikertScale } from "@/server/annotation/quality";

const SCALE_NAMES: Record<LikertScale, string> = {
  quality: "Quality",
  helpfulness: "Helpfulness",
  harmlessness: "Harmlessness",
};
const POINTS = Array.from({ length: LIKERT_MAX - LIKERT_MIN + 1 }, (_, i) => LIKERT_MIN + i);

/** A 1..5 radio scale: arrow keys move along it, as native radio groups do. */
export function LikertPicker({
  name,
  scale,
  value,
  onChange,
  descriptions,
}: {
  name: string;
  scale: LikertScale;
  value: number | undefined;
  onChange: (value: number) => void;
  /** What 1..5 mean for this question (from the guidelines), if the admins wrote it. */
  descriptions?: string[];
}) {
  return (
    <fieldset className="likert">
      <legend>{SCALE_NAMES[scale]}</legend>
      {POINTS.map((point) => (
        <label key={point} className="chip" title={descriptions?.[point - LIKERT_MIN]}>
          <input
            type="radio"
            name={`${name}-${scale}`}
            value={point}
            checked={value === point}
            onChange={() => onChange(point)}
          />
          {point}
        </label>
      ))}
      {descriptions && (
        <p className="likert-hint small muted">
          {value === undefined
            ? `${LIKERT_MIN} = ${descriptions[0]}, ${LIKERT_MAX} = ${descriptions[descriptions.length - 1]}`
            : `${value} = ${descriptions[value - LIKERT_MIN]}`}{" "}
          <a href="#guidelines">Guidelines</a>
        </p>
      )}
    </fieldset>
  );
}
