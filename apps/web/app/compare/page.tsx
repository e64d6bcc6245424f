import { requireUser } from "@/server/auth";
import { Compare } from "@/components/arena/Compare";

export default async function ComparePage() {
  await requireUser("/compare");
  return <Compare />;
}
