import { ReviewQueue } from "@/components/annotation/ReviewQueue";

export default function Page() {
  return <ReviewQueue />;
}
