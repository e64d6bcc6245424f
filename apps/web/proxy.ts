import { NextResponse, type NextRequest } from "next/server";
import { PAGE_SECURITY_HEADERS, pageContentSecurityPolicy } from "@/server/securityHeaders";

/** A fresh CSP nonce per page view, in the request (Next reads it there) and in the answer, with the other headers. */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = pageContentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Pages only: API routes set their own headers, and a proxy in front of them would buffer request bodies.
  matcher: [{ source: "/((?!api|_next/static|_next/image|favicon.ico).*)" }],
};
