/** Where to go after signing in. */
export const DEFAULT_AFTER_SIGN_IN = "/runs";

const PROBE_ORIGIN = "http://x";

/**
 * The same-site path (with query and fragment) a callbackUrl names, or the default. Resolved the way a browser
 * resolves it, so `//evil.com`, `/\evil.com` and `/\t/evil.com` (which browsers read as other hosts) are refused
 * rather than being an open redirect.
 */
export function safeCallbackPath(callbackUrl: string | null | undefined): string {
  if (!callbackUrl) return DEFAULT_AFTER_SIGN_IN;
  let url: URL;
  try {
    url = new URL(callbackUrl, PROBE_ORIGIN);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_AFTER_SIGN_IN;
  return url.pathname + url.search + url.hash;
}
