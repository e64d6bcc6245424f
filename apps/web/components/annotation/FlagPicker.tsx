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

/** The key that toggles each flag on a task page (shown on its chip). */
export const FLAG_KEYS: Record<Flag, string> = {
  spam: "s",
  off_language: "l",
  pii: "p",
  not_appropriate: "n",
  hate: "h",
  sexual: "x",
  violence: "v",
};

export function FlagPicker({
  name,
  value,
  onChange,
  showKeys = false,
}: {
  name: string;
  value: Flag[];
  onChange: (flags: Flag[]) => void;
  /** Show each flag's shortcut key on its chip (the picker the shortcuts act on). */
  showKeys?: boolean;
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
          {showKeys && <kbd>{FLAG_KEYS[flag]}</kbd>}
        </label>
      ))}
    </fieldset>
  );
}
