import { ChangePassword } from "@/components/annotation/ChangePassword";
import { requireUser } from "@/server/auth";

export const dynamic = "force-dynamic";

export default async function AccountPage() {
  const user = await requireUser("/account");
  return (
    <section className="card narrow">
      <h1>Your account</h1>
      <p className="muted">
        {user.name} · {user.email}
      </p>
      <ChangePassword />
    </section>
  );
}
