"use client";

import { useEffect, useRef, useState } from "react";

/** A key as the handlers name it: "1", "s", "Ctrl+Enter", "?" (letters lower-case). */
function keyName(event: KeyboardEvent): string {
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter") return "Ctrl+Enter";
  return event.key.length === 1 ? event.key.toLowerCase() : event.key;
}

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

export interface Shortcut {
  key: string;
  does: string;
  run: () => void;
}

/**
 * Keyboard shortcuts for a task page, and `?` for the list of them. Plain keys do nothing while the person types
 * in a field (Ctrl+Enter still submits from there); radio and checkbox inputs do not count as typing.
 */
export function useShortcuts(shortcuts: Shortcut[]) {
  const [helpOpen, setHelpOpen] = useState(false);
  const current = useRef(shortcuts);
  useEffect(() => {
    current.current = shortcuts;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const key = keyName(event);
      const target = event.target as HTMLElement | null;
      const isChoice = target instanceof HTMLInputElement && /^(radio|checkbox)$/.test(target.type);
      if (key !== "Ctrl+Enter" && typingIn(target) && !isChoice) return;
      if (key === "?") return setHelpOpen((open) => !open);
      if (key === "Escape") return setHelpOpen(false);
      if (event.altKey || ((event.ctrlKey || event.metaKey) && key !== "Ctrl+Enter")) return;
      const shortcut = current.current.find((s) => s.key === key);
      if (!shortcut) return;
      event.preventDefault();
      shortcut.run();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const help = helpOpen ? (
    <div className="shortcut-help" role="dialog" aria-label="Keyboard shortcuts">
      <h2>Keyboard shortcuts</h2>
      <ul className="plain">
        {shortcuts.map((s) => (
          <li key={s.key}>
            <kbd>{s.key}</kbd> {s.does}
          </li>
        ))}
        <li>
          <kbd>?</kbd> show or hide this list
        </li>
      </ul>
      <button className="button secondary" type="button" onClick={() => setHelpOpen(false)}>
        Close
      </button>
    </div>
  ) : null;
  return help;
}
