// The web app over plain HTTP, as a script or an attacker would use it: NextAuth's credentials sign-in and tRPC
// calls in superjson's envelope, with cookies carried by hand.
export interface HttpSession {
  cookie: string;
}

const cookiesOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");

/** Signs in through /api/auth; the session cookie, or the error NextAuth names (CredentialsSignin, locked:…). */
export async function signInOverHttp(
  base: string,
  email: string,
  password: string,
  address = "127.0.0.1",
): Promise<{ session: HttpSession } | { error: string }> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: cookiesOf(csrf),
      "x-forwarded-for": address,
    },
    body: new URLSearchParams({ email, password, csrfToken, json: "true" }),
  });
  const cookie = cookiesOf(response);
  if (cookie.includes("session-token")) return { session: { cookie } };
  const location = response.headers.get("location") ?? ((await response.json()) as { url: string }).url;
  return { error: new URL(location, base).searchParams.get("error") ?? `HTTP ${response.status}` };
}

/** One tRPC call; GET for queries. */
export async function trpcCall(
  base: string,
  session: HttpSession | null,
  path: string,
  input: unknown,
  method: "GET" | "POST" = "POST",
) {
  const url =
    method === "GET"
      ? `${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`
      : `${base}/api/trpc/${path}`;
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(session ? { cookie: session.cookie } : {}) },
    body: method === "POST" ? JSON.stringify({ json: input }) : undefined,
  });
  const body = (await response.json()) as {
    result?: { data: { json: unknown } };
    error?: { json: { message: string } };
  };
  return {
    status: response.status,
    data: body.result?.data.json,
    error: body.error?.json.message,
    headers: response.headers,
  };
}
