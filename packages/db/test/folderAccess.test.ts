import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firstFolderOthersCannotEnter, postgresAccessProblem } from "../src/services/folderAccess";

const root = mkdtempSync(join(tmpdir(), "folder-access-"));
afterAll(() => {
  chmodSync(join(root, "closed"), 0o755);
  rmSync(root, { recursive: true, force: true });
});

describe("the postgres user's access to the data and program folders", () => {
  it("names the first folder on the way that others cannot enter, and the fix", () => {
    chmodSync(root, 0o755);
    mkdirSync(join(root, "closed/inner/data"), { recursive: true });
    chmodSync(join(root, "closed/inner"), 0o755);
    chmodSync(join(root, "closed"), 0o700);
    const target = join(root, "closed/inner/data");
    expect(firstFolderOthersCannotEnter(target)).toBe(join(root, "closed"));
    expect(postgresAccessProblem(target, "its data folder")).toBe(
      `embedded PostgreSQL runs as the \`postgres\` user (it refuses to run as root), which cannot enter ` +
        `${join(root, "closed")} (mode 700) on the way to its data folder ${target}. Fix: \`chmod o+x ` +
        `${join(root, "closed")}\` (lets other users pass through the folder without listing it), or put the ` +
        "checkout and its data in a folder other users can enter (for example under /srv or /opt instead of /root).",
    );
  });

  it("finds nothing wrong once the folder can be entered, or for a path not created yet", () => {
    chmodSync(join(root, "closed"), 0o711);
    expect(firstFolderOthersCannotEnter(join(root, "closed/inner/data"))).toBeNull();
    expect(firstFolderOthersCannotEnter(join(root, "closed/inner/not-yet/data"))).toBeNull();
  });
});
