"use client";

import { useState } from "react";
import { Markdown } from "./Markdown";

const PREVIEW_CHARS = 600;

/** Long texts start folded so several answers fit on a phone screen; one keypress or tap opens them. */
export function CollapsibleText({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  if (text.length <= PREVIEW_CHARS) return <Markdown text={text} />;
  return (
    <div>
      <Markdown text={open ? text : `${text.slice(0, PREVIEW_CHARS)}…`} />
      <button
        type="button"
        className="button secondary small"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
      >
        {open ? "Show less" : `Show all (${text.length.toLocaleString()} characters)`}
      </button>
    </div>
  );
}
