import Link from "next/link";

const TASKS = [
  {
    href: "/annotate/prompt",
    title: "Write a prompt",
    text: "Ask what a good assistant should be able to answer.",
  },
  {
    href: "/annotate/answer",
    title: "Answer a prompt",
    text: "Write the reply you would want an assistant to give.",
  },
  {
    href: "/annotate/rank",
    title: "Rank answers",
    text: "Order several answers from best to worst; ties allowed.",
  },
  {
    href: "/annotate/label",
    title: "Label an answer",
    text: "Flag problems and rate quality, helpfulness and harmlessness.",
  },
];

export default async function AnnotateHome({ searchParams }: { searchParams: Promise<{ denied?: string }> }) {
  const { denied } = await searchParams;
  return (
    <>
      {denied && <p className="notice">That page needs another role ({denied}).</p>}
      <div className="task-grid">
        {TASKS.map((task) => (
          <Link key={task.href} href={task.href} className="card task-card">
            <strong>{task.title}</strong>
            <span className="muted small">{task.text}</span>
          </Link>
        ))}
      </div>
    </>
  );
}
