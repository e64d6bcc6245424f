import { LabelTask } from "@/components/annotation/LabelTask";

export default function Page() {
  return <LabelTask />;
}
