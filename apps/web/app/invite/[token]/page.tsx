import { AcceptInvite } from "@/components/annotation/AcceptInvite";

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <section className="card narrow">
      <h1>Join the annotation project</h1>
      <AcceptInvite token={token} />
    </section>
  );
}
