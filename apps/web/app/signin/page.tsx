import { SignInForm } from "@/components/sign-in-form";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string }>;
}) {
  const { callbackUrl } = await searchParams;
  // Only same-site paths: an absolute callbackUrl would be an open redirect.
  const next = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/runs";
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <SignInForm next={next} />
    </section>
  );
}
