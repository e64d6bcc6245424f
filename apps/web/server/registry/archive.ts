import { readdir } from "node:fs/promises";
import { Readable } from "node:stream";
import { create } from "tar";

/** Optimizer state only resumes training; it doubles the archive and no loader reads it. */
const LEFT_OUT = new Set(["optimizer.safetensors"]);

/**
 * A model folder as a gzipped tar stream, packed while it is sent (never held in memory). Entries go under
 * `<name>/`, so the archive unpacks into one folder that transformers can load. Throws when the folder is gone.
 */
export async function folderArchive(dir: string, name: string): Promise<ReadableStream<Uint8Array>> {
  const entries = (await readdir(dir)).filter((entry) => !LEFT_OUT.has(entry)).sort();
  const pack = create({ gzip: true, portable: true, cwd: dir, prefix: name }, entries);
  return Readable.toWeb(Readable.from(pack)) as ReadableStream<Uint8Array>;
}
