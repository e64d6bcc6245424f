import { requireUser } from "@/server/auth";
import { Playground } from "@/components/arena/Playground";

export default async function PlaygroundPage() {
  await requireUser("/playground");
  return <Playground />;
}
