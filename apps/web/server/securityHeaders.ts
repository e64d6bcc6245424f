/**
 * Security headers (OWASP secure-headers): pages get a nonce-based Content-Security-Policy from proxy.ts (Next
 * puts the nonce on its own inline scripts when it finds it in the request's CSP); API answers are data, never
 * documents, so theirs forbids everything.
 */
const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  "Cross-Origin-Opener-Policy": "same-origin",
};

export const API_SECURITY_HEADERS = {
  ...COMMON_HEADERS,
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

/**
 * The policy for one page view. Scripts: only those carrying this response's nonce and what they load
 * ('strict-dynamic'); React's development build also needs eval. Styles allow inline because React renders
 * `style` attributes, which a nonce cannot cover.
 */
export function pageContentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const PAGE_SECURITY_HEADERS = COMMON_HEADERS;
