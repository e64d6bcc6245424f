import { RankTask } from "@/components/annotation/RankTask";

export default function Page() {
  return <RankTask />;
}
