import { QualityStats } from "@/components/annotation/QualityStats";

export default function Page() {
  return <QualityStats />;
}
