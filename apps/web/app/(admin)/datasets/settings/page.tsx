import { SettingsAdmin } from "@/components/annotation/SettingsAdmin";

export default function Page() {
  return <SettingsAdmin />;
}
