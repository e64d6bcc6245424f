/**
 * URL filtering: a document whose URL's host is on the blocklist (or a subdomain of a listed domain) is dropped, as
 * in C4's and FineWeb's URL filters; every document's domain is counted for the data card.
 */
import type { DataPrepareConfig } from "../config/data.js";
import { loadTermsFile } from "./harmful.js";
import type { Stage } from "./types.js";

/** Lower-cased host without "www.", or undefined for a missing or unparsable URL. */
export function domainOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, "") || undefined;
  } catch {
    return undefined;
  }
}

export function urlStage(
  cfg: DataPrepareConfig["url"],
  onDomain: (source: string, domain: string) => void,
): Stage {
  const blocked = new Set(
    [...cfg.blocklist, ...(cfg.blocklistFile ? loadTermsFile(cfg.blocklistFile) : [])].map((d) =>
      d.toLowerCase().replace(/^www\./, ""),
    ),
  );
  return {
    name: "url",
    apply(doc) {
      const domain = domainOf(doc.url);
      if (domain === undefined) return doc.url && cfg.dropInvalid ? { drop: "url_invalid" } : {};
      onDomain(doc.source, domain);
      // The host and each parent domain: "a.b.example.com" is blocked by "example.com".
      for (let d = domain; d; d = d.slice(d.indexOf(".") + 1)) {
        if (blocked.has(d)) return { drop: "url_blocklist" };
        if (!d.includes(".")) break;
      }
      return {};
    },
  };
}
