import { People } from "@/components/annotation/People";

export default function Page() {
  return <People />;
}
