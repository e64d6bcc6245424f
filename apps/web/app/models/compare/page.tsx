import { requireUser } from "@/server/auth";
import { Compare } from "@/components/models/Compare";

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<{ a?: string; b?: string }>;
}) {
  const { a, b } = await searchParams;
  await requireUser(`/models/compare?a=${a ?? ""}&b=${b ?? ""}`);
  if (!a || !b) return <p className="error">Choose two versions to compare (from a model&apos;s page).</p>;
  return <Compare a={a} b={b} />;
}
