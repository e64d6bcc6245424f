import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * The first folder on the way to `path` (itself included when a folder) that a user who neither owns it nor is in
 * its group cannot enter: no execute bit for others. Run as root, PostgreSQL runs as the `postgres` user, such a
 * user, and fails deep in initdb with a bare EACCES when any such folder lies on the way.
 */
export function firstFolderOthersCannotEnter(path: string): string | null {
  const chain: string[] = [];
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    chain.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of chain) {
    let stats;
    try {
      stats = statSync(folder);
    } catch {
      return null; // not created yet: what exists above it was checked
    }
    if (stats.isDirectory() && (stats.mode & 0o001) === 0) return folder;
  }
  return null;
}

/** The start-up error for `path`, naming the folder and the fix; null when the `postgres` user can reach it. */
export function postgresAccessProblem(path: string, what: string): string | null {
  const closed = firstFolderOthersCannotEnter(path);
  if (!closed) return null;
  const mode = (statSync(closed).mode & 0o777).toString(8);
  return (
    `embedded PostgreSQL runs as the \`postgres\` user (it refuses to run as root), which cannot enter ${closed} ` +
    `(mode ${mode}) on the way to ${what} ${path}. Fix: \`chmod o+x ${closed}\` (lets other users pass ` +
    "through the folder without listing it), or put the checkout and its data in a folder other users can " +
    "enter (for example under /srv or /opt instead of /root)."
  );
}
