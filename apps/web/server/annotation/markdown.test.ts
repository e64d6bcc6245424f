import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "../../components/annotation/Markdown";

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe("Markdown", () => {
  it("renders markdown", () => {
    expect(render("**bold** and `code`")).toContain("<strong>bold</strong> and <code>code</code>");
  });

  it("shows raw HTML as text instead of running or dropping it", () => {
    const html = render("Hi <script>alert(1)</script> <img src=x onerror=alert(2)>");
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
  });

  it("does not link javascript: URLs", () => {
    expect(render("[click](javascript:alert(1))")).not.toContain("javascript:");
  });

  it("never loads a remote image, which would leak the reader's IP address to its host", () => {
    const html = render("See ![tracker](https://evil.example/pixel.png) here");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("evil.example");
    expect(html).toContain("See");
  });

  it("keeps single line breaks, so a poem stays in lines", () => {
    expect(render("Roses are red,\nviolets are blue.")).toContain("Roses are red,<br/>\nviolets are blue.");
  });
});
