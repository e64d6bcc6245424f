"use client";

import ReactMarkdown from "react-markdown";
import remarkBreaks from "remark-breaks";
import remarkGfm from "remark-gfm";

interface MarkdownNode {
  type: string;
  children?: MarkdownNode[];
}

/**
 * Raw HTML in user text becomes literal text: `<script>` is shown, never run, never silently dropped (a reviewer
 * must see what the author wrote). react-markdown builds React elements (no innerHTML) and already blocks
 * javascript: URLs; this plugin closes the remaining door.
 */
function htmlAsText() {
  const visit = (node: MarkdownNode) => {
    if (node.type === "html") node.type = "text";
    node.children?.forEach(visit);
  };
  return visit;
}

/** `documents`: GitHub-flavoured Markdown (tables, task lists), for documents such as model cards. */
export function Markdown({ text, documents = false }: { text: string; documents?: boolean }) {
  const plugins = documents ? [htmlAsText, remarkBreaks, remarkGfm] : [htmlAsText, remarkBreaks];
  return (
    <div className="markdown">
      {/* No images: loading a remote one would tell its host every reviewer's IP address. */}
      {/* remark-breaks keeps single newlines (a poem stays in lines), as authors expect from a text box. */}
      <ReactMarkdown remarkPlugins={plugins} disallowedElements={["img"]} unwrapDisallowed>
        {text}
      </ReactMarkdown>
    </div>
  );
}
