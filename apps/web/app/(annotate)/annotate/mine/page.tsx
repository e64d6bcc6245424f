import { MySubmissions } from "@/components/annotation/MySubmissions";

export default function Page() {
  return <MySubmissions />;
}
