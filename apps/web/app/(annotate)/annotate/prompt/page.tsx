import { WritePrompt } from "@/components/annotation/WritePrompt";

export default function Page() {
  return <WritePrompt />;
}
