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
}: {
  name: string;
  scale: LikertScale;
  value: number | undefined;
  onChange: (value: number) => void;
}) {
  return (
    <fieldset className="likert">
      <legend>{SCALE_NAMES[scale]}</legend>
      {POINTS.map((point) => (
        <label key={point} className="chip">
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
    </fieldset>
  );
}
