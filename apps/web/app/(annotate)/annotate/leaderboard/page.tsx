import { Leaderboard } from "@/components/annotation/Leaderboard";

export default function Page() {
  return <Leaderboard />;
}
