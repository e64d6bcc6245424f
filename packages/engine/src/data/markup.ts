/**
 * Markup reduced to plain text, small and dependency-free: MediaWiki wikitext (templates, references, tables, files
 * and categories dropped; links, emphasis and headings reduced to their words) and HTML (scripts, styles and tags
 * dropped, block elements as line breaks, entities decoded). Good enough for training text, not a renderer.
 */
const XML_ENTITY = /&(?:lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g;
const XML_ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
  "&quot;": '"',
  "&apos;": "'",
};

export function decodeXmlEntities(s: string): string {
  return s.replace(XML_ENTITY, (m, dec: string | undefined, hex: string | undefined) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : XML_ENTITIES[m],
  );
}

/** Removes innermost `open ... close` spans until none is left, so nested templates and tables go whole. */
function removeNested(text: string, innermost: RegExp): string {
  for (let prev = ""; prev !== text;) {
    prev = text;
    text = text.replace(innermost, "");
  }
  return text;
}

const NON_ARTICLE_LINK = /^(?:file|image|media|category|datei|fichier|kategorie|catégorie):/i;

export function wikitextToText(wikitext: string): string {
  let t = wikitext
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<ref\b[^>]*\/>/gi, "")
    .replace(/<ref\b[^>]*>[\s\S]*?<\/ref>/gi, "")
    .replace(/<(gallery|math|syntaxhighlight|source|timeline)\b[^>]*>[\s\S]*?<\/\1>/gi, "");
  t = removeNested(t, /\{\{[^{}]*\}\}/g);
  t = removeNested(t, /\{\|(?:(?!\{\||\|\})[\s\S])*\|\}/g);
  // Links innermost first: an article link becomes its label; a file or category link (with its caption) goes.
  for (let prev = ""; prev !== t;) {
    prev = t;
    t = t.replace(/\[\[([^[\]]*)\]\]/g, (_m, inner: string) => {
      if (NON_ARTICLE_LINK.test(inner.trim())) return "";
      const bar = inner.lastIndexOf("|");
      return bar >= 0 ? inner.slice(bar + 1) : inner;
    });
  }
  t = t
    .replace(/\[(?:https?:|ftp:)?\/\/[^\s\]]+\s*([^\]]*)\]/g, "$1")
    .replace(/'{2,5}/g, "")
    .replace(/^(=+)\s*(.*?)\s*\1\s*$/gm, "$2")
    .replace(/^[*#:;]+\s*/gm, "")
    .replace(/^-{4,}\s*$/gm, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/?[a-z][^>]*>/gi, "")
    .replace(/__[A-Z]+__/g, "");
  return tidy(decodeXmlEntities(t.replace(/&nbsp;/g, " ")));
}

const HTML_ENTITIES: Record<string, string> = { nbsp: " ", mdash: "—", ndash: "–", hellip: "…", copy: "©" };

export function htmlToText(html: string): string {
  const t = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style|noscript|template|svg|head)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(
      /<\/?(?:p|div|nav|header|footer|main|aside|section|article|blockquote|h[1-6]|ul|ol|li|table|tr|br|hr)\b[^>]*>/gi,
      "\n",
    )
    .replace(/<[^>]+>/g, "")
    .replace(/&([a-z]+);/gi, (m, name: string) => HTML_ENTITIES[name.toLowerCase()] ?? m);
  return tidy(decodeXmlEntities(t));
}

/** Spaces collapsed within lines, blank lines at most one in a row, ends trimmed. */
function tidy(text: string): string {
  return text
    .split("\n")
    .map((l) => l.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
