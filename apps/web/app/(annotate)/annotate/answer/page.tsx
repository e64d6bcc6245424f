import { WriteAnswer } from "@/components/annotation/WriteAnswer";

export default function Page() {
  return <WriteAnswer />;
}
