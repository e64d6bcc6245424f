"use client";

import { FLAGS, type Flag } from "@/server/annotation/quality";

export const FLAG_NAMES: Record<Flag, string> = {
  spam: "Spam",
  off_language: "Wrong language",
  pii: "Personal data",
  not_appropriate: "Not appropriate",
  hate: "Hate",
  sexual: "Sexual content",
  violence: "Violence",
};

export function FlagPicker({
  name,
  value,
  onChange,
}: {
  name: string;
  value: Flag[];
  onChange: (flags: Flag[]) => void;
}) {
  return (
    <fieldset className="flags">
      <legend className="small muted">Flags</legend>
      {FLAGS.map((flag) => (
        <label key={flag} className="chip">
          <input
            type="checkbox"
            name={`${name}-${flag}`}
            checked={value.includes(flag)}
            onChange={(e) => onChange(e.target.checked ? [...value, flag] : value.filter((f) => f !== flag))}
          />
          {FLAG_NAMES[flag]}
        </label>
      ))}
    </fieldset>
  );
}
