// GET /api/models/<versionId>/download: the version's Hugging Face folder as a .tar.gz, streamed as it is
// packed (never held in memory). Who may download is decided by the models.archive procedure.
import { readdir } from "node:fs/promises";
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { create } from "tar";
import { getSession } from "@/server/auth";
import { serverCaller } from "@/server/api/serverCaller";
import { log } from "@/server/log";

export const dynamic = "force-dynamic";

/** Optimizer state only resumes training; it doubles the archive and no loader reads it. */
const LEFT_OUT = new Set(["optimizer.safetensors"]);

export async function GET(_request: Request, { params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  let archive: { dir: string; name: string };
  try {
    archive = await serverCaller((await getSession())?.user.id ?? null).models.archive({ versionId });
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return Response.json({ error: error.message }, { status: getHTTPStatusCodeFromError(error) });
  }
  let entries: string[];
  try {
    entries = (await readdir(archive.dir)).filter((name) => !LEFT_OUT.has(name)).sort();
  } catch (error) {
    log.error({ err: (error as Error).message, versionId }, "model files missing");
    return Response.json(
      { error: `the files of ${archive.name} are missing on the server` },
      { status: 410 },
    );
  }
  // Entries go under <model>-v<version>/, so the archive unpacks into one folder transformers can load.
  const pack = create({ gzip: true, portable: true, cwd: archive.dir, prefix: archive.name }, entries);
  return new Response(Readable.toWeb(Readable.from(pack)) as ReadableStream<Uint8Array>, {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${archive.name}.tar.gz"`,
      "cache-control": "no-store",
    },
  });
}
