import Link from "next/link";
import type { Role } from "@rlhf/shared";

const LINKS: { href: string; label: string; roles: Role[] }[] = [
  { href: "/annotate/prompt", label: "Write a prompt", roles: ["ANNOTATOR", "REVIEWER", "ADMIN"] },
  { href: "/annotate/answer", label: "Answer", roles: ["ANNOTATOR", "REVIEWER", "ADMIN"] },
  { href: "/annotate/rank", label: "Rank", roles: ["ANNOTATOR", "REVIEWER", "ADMIN"] },
  { href: "/annotate/label", label: "Label", roles: ["ANNOTATOR", "REVIEWER", "ADMIN"] },
  { href: "/annotate/mine", label: "My submissions", roles: ["ANNOTATOR", "REVIEWER", "ADMIN"] },
  { href: "/annotate/leaderboard", label: "Leaderboard", roles: ["ANNOTATOR", "REVIEWER", "ADMIN"] },
  { href: "/review", label: "Review queue", roles: ["REVIEWER", "ADMIN"] },
  { href: "/review/quality", label: "Agreement", roles: ["REVIEWER", "ADMIN"] },
  { href: "/datasets", label: "Datasets", roles: ["ADMIN"] },
  { href: "/datasets/people", label: "People", roles: ["ADMIN"] },
  { href: "/datasets/settings", label: "Guidelines and policy", roles: ["ADMIN"] },
];

/** The annotation section's own navigation; it shows only what the role may open (the server checks anyway). */
export function AnnotationNav({ role }: { role: Role }) {
  return (
    <nav className="subnav" aria-label="Annotation">
      {LINKS.filter((link) => link.roles.includes(role)).map((link) => (
        <Link key={link.href} href={link.href}>
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
