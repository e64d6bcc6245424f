import { SignInForm } from "@/components/sign-in-form";
import { safeCallbackPath } from "@/lib/callbackPath";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string }>;
}) {
  const { callbackUrl } = await searchParams;
  const next = safeCallbackPath(callbackUrl);
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <SignInForm next={next} />
    </section>
  );
}
