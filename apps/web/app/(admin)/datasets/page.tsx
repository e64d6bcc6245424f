import { DatasetsAdmin } from "@/components/annotation/DatasetsAdmin";

export default function Page() {
  return <DatasetsAdmin />;
}
