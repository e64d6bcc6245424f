// GET /api/models/<versionId>/download: the version's Hugging Face folder as a .tar.gz. Who may download is
// decided by the models.archive procedure, like every other access rule.
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { getSession } from "@/server/auth";
import { serverCaller } from "@/server/api/serverCaller";
import { log } from "@/server/log";
import { folderArchive } from "@/server/registry/archive";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  let archive: { dir: string; name: string };
  try {
    archive = await serverCaller((await getSession())?.user.id ?? null).models.archive({ versionId });
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return Response.json({ error: error.message }, { status: getHTTPStatusCodeFromError(error) });
  }
  let body: ReadableStream<Uint8Array>;
  try {
    body = await folderArchive(archive.dir, archive.name);
  } catch (error) {
    log.error({ err: (error as Error).message, versionId }, "model files missing");
    return Response.json(
      { error: `the files of ${archive.name} are missing on the server` },
      { status: 410 },
    );
  }
  return new Response(body, {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${archive.name}.tar.gz"`,
      "cache-control": "no-store",
    },
  });
}
